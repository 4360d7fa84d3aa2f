// Response rate limiting next to Knot's (mod-rrl, rate-limit 10, slip 2): the same burst from one
// client is limited by both, both send about half of the limited answers truncated (TC=1) and
// drop the rest, and both answer another prefix in full meanwhile.
import dgram from 'node:dgram';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildQuery } from './helpers/dns-client.ts';
import { startKnot, type KnotHandle } from './helpers/knotd.ts';
import { startPeregrine } from './helpers/peregrine.ts';
import type { ServerHandle } from './helpers/process.ts';

const ZONE = `$ORIGIN rrl.test.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.80
`;

let dir = '';
let knot: KnotHandle | undefined;
let peregrine: ServerHandle | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peregrine-rrl-'));
  const file = path.join(dir, 'rrl.test.zone');
  await writeFile(file, ZONE);
  [knot, peregrine] = await Promise.all([
    startKnot({
      zones: [{ origin: 'rrl.test.', file }],
      extraSections: ['mod-rrl:', '  - id: limit', '    rate-limit: 10', '    slip: 2', ''],
      extraTemplate: ['    global-module: mod-rrl/limit'],
    }),
    startPeregrine({ root: path.resolve(import.meta.dirname, '..', '..'), zones: [{ origin: 'rrl.test.', file }], extraArgs: ['--rrl', '10', '--rrl-slip', '2', '--workers', '2'] }),
  ]);
}, 60_000);

afterAll(async () => {
  await Promise.all([knot?.stop(), peregrine?.stop()]);
  await rm(dir, { recursive: true, force: true });
});

interface Tally { full: number; truncated: number; none: number }

/** `count` identical queries at once from `source` over 8 ports; what came back. */
async function burst(port: number, source: string, count: number): Promise<Tally> {
  const sockets = await Promise.all(Array.from({ length: 8 }, () => new Promise<dgram.Socket>((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, source, () => resolve(s));
  })));
  const tally: Tally = { full: 0, truncated: 0, none: count };
  let last = Date.now();
  for (const s of sockets) {
    s.on('message', (m) => {
      last = Date.now();
      tally.none--;
      if ((m[2] & 0x02) !== 0) tally.truncated++;
      else tally.full++;
    });
  }
  for (let i = 0; i < count; i++) sockets[i % 8].send(buildQuery({ name: 'www.rrl.test.', type: 'A', id: i }), port, '127.0.0.1');
  while (Date.now() - last < 700) await new Promise((r) => setTimeout(r, 50));
  for (const s of sockets) s.close();
  return tally;
}

test('a burst of 300 is limited by Knot and by Peregrine alike, about half the limited answers slipping', async () => {
  const results: Record<string, { flood: Tally; other: Tally }> = {};
  for (const [name, server] of [['knotd', knot], ['peregrine', peregrine]] as const) {
    if (!server) throw new Error(`${name} did not start`);
    const flood = await burst(server.port, '127.0.0.1', 300);
    const other = await burst(server.port, '127.0.1.1', 5);
    results[name] = { flood, other };
  }
  if (process.env.PEREGRINE_TEST_REPORT) console.log(JSON.stringify(results));
  for (const [name, { flood, other }] of Object.entries(results)) {
    const limited = flood.truncated + flood.none;
    expect(limited, name).toBeGreaterThan(150);
    expect(flood.truncated / limited, `${name}: slipped share of limited answers`).toBeGreaterThan(0.35);
    expect(flood.truncated / limited, `${name}: slipped share of limited answers`).toBeLessThan(0.65);
    expect(other, name).toEqual({ full: 5, truncated: 0, none: 0 });
  }
}, 60_000);
