// `npm start` takes its addresses from PEREGRINE_LISTEN and PEREGRINE_HTTP (default
// 127.0.0.1:8053 and 127.0.0.1:8080), and passes arguments after `--` through to serve.

import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, healthz, query, udpQuery, waitFor } from './serve-harness.ts';

const running: number[] = [];
afterEach(() => {
  // npm runs the script in a shell that execs node: the process group holds them all.
  for (const pid of running.splice(0)) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

describe('npm start', () => {
  it('listens where PEREGRINE_LISTEN and PEREGRINE_HTTP say, with extra arguments passed through', async () => {
    const dnsPort = await freePort();
    const httpPort = await freePort();
    const child = spawn('npm', ['start', '--silent', '--', '--drain', '0', '--no-chaos'], {
      env: { ...process.env, PEREGRINE_LISTEN: `127.0.0.1:${dnsPort}`, PEREGRINE_HTTP: `127.0.0.1:${httpPort}` },
      stdio: 'ignore',
      detached: true,
    });
    running.push(child.pid!);
    await waitFor(async () => (await healthz(httpPort)) === 200, '/healthz 200 on PEREGRINE_HTTP', 30_000);
    expect((await udpQuery(dnsPort, query('shop.example', 'SOA', 1))).rcode).toBe('NOERROR');
    // --no-chaos, passed through: CHAOS names are REFUSED.
    expect((await udpQuery(dnsPort, query('version.bind', 'TXT', 2, 'CH'))).rcode).toBe('REFUSED');
  });
});
