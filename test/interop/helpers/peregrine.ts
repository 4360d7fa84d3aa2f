// Start `peregrine serve` (bin/peregrine.js under the Node running vitest) on
// 127.0.0.1 with free ports, and wait for GET /healthz to return 200.
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../../helpers/ports.ts';
import { absolute, answersSoa, spawnServer, waitUntil, type ServerHandle } from './process.ts';
import { TEST_IDENTITY, TEST_VERSION, type ZoneFile } from './knotd.ts';

export interface PeregrineOptions {
  /** Repository root (where bin/peregrine.js lives). */
  root: string;
  zones: ZoneFile[];
  port?: number;
  httpPort?: number;
  /** Extra command-line arguments, appended last. */
  extraArgs?: string[];
  timeoutMs?: number;
  /** The zones that must answer before it counts as started (default: every zone). */
  ready?: ZoneFile[];
}

export interface PeregrineHandle extends ServerHandle {
  readonly httpPort: number;
  readonly args: string[];
}

/** GET /healthz on 127.0.0.1: true for 200, false for anything else or no answer in 1 s. */
export function healthz(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
  });
}

/**
 * The settings that make Peregrine comparable with the knotd of helpers/knotd.ts:
 * same CHAOS identity/version strings, same 1232-byte UDP ceiling.
 */
export function peregrineArgs(opts: PeregrineOptions, port: number, httpPort: number): string[] {
  const args = [path.join(opts.root, 'bin', 'peregrine.js'), 'serve'];
  for (const z of opts.zones) args.push('--zone', `${absolute(z.origin)}=${path.resolve(z.file)}`);
  args.push(
    '--listen', `127.0.0.1:${port}`,
    '--workers', '1',
    '--http', `127.0.0.1:${httpPort}`,
    '--drain', '0',
    '--identity', TEST_IDENTITY,
    '--version-string', TEST_VERSION,
    '--max-udp-size', '1232',
    ...(opts.extraArgs ?? []),
  );
  return args;
}

export async function startPeregrine(opts: PeregrineOptions): Promise<PeregrineHandle> {
  const port = opts.port ?? (await freePort());
  const httpPort = opts.httpPort ?? (await freePort());
  const args = peregrineArgs(opts, port, httpPort);
  const proc = spawnServer(process.execPath, args, { cwd: opts.root });
  try {
    await waitUntil(`peregrine /healthz on 127.0.0.1:${httpPort}`, proc, () => healthz(httpPort), opts.timeoutMs ?? 15_000);
    // /healthz says the zones are loaded; make sure DNS answers too before comparing.
    for (const z of opts.ready ?? opts.zones) {
      await waitUntil(`peregrine zone ${absolute(z.origin)}`, proc, () => answersSoa(port, absolute(z.origin)), 5_000);
    }
  } catch (err) {
    await proc.stop(3_000);
    throw new Error(`${(err as Error).message}\ncommand: ${process.execPath} ${args.join(' ')}`);
  }
  return { name: 'peregrine', port, httpPort, args, output: proc.output, stop: () => proc.stop() };
}
