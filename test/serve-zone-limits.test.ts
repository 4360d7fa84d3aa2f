// Hostile zone data against a running server: a 10 MB TXT, one million records on one name, an
// $INCLUDE loop, $INCLUDE /dev/zero. Each zone is rejected with FILE:LINE, the server stays up
// and serves the good zone; a good zone edited into a hostile one keeps its last good version.
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { healthz, query, startServing, stopServers, udpQuery, waitFor } from './serve-harness.ts';

afterEach(stopServers);

const head = (origin: string, serial = 1) => `$ORIGIN ${origin}\n$TTL 300\n@ SOA ns1 h ${serial} 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n`;
const MILLION = 1_000_000;

function millionOnOneName(origin: string, serial: number): string {
  const lines = [head(origin, serial)];
  for (let i = 0; i < MILLION; i++) lines.push(`many A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\n`);
  return lines.join('');
}

describe('peregrine serve with hostile zone data', () => {
  it('rejects each hostile zone with FILE:LINE and keeps serving the good one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-hostile-'));
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const good = file('good.test.zone', head('good.test.'));
    const txt = file('txt.test.zone', `${head('txt.test.')}big TXT ${Array.from({ length: 50_000 }, () => `"${'x'.repeat(200)}"`).join(' ')}\n`);
    const million = file('million.test.zone', millionOnOneName('million.test.', 1));
    const loop = file('loop.test.zone', `${head('loop.test.')}$INCLUDE a.db\n`);
    file('a.db', 'a A 192.0.2.1\n$INCLUDE b.db\n');
    file('b.db', 'b A 192.0.2.2\n$INCLUDE a.db\n');
    const zero = file('zero.test.zone', `${head('zero.test.')}$INCLUDE /dev/zero\n`);

    const { s, dnsPort, httpPort } = await startServing([
      '--zone', good, '--zone', txt, '--zone', million, '--zone', loop, '--zone', zero,
      '--workers', '1',
    ], { healthTimeoutMs: 60_000 });

    const errors = s.logs.filter((l) => l.event === 'zone_error').map((l) => String(l.msg).replaceAll(`${dir}/`, ''));
    expect(errors.sort()).toEqual([
      'b.db:2: $INCLUDE loop: a.db is already being read',
      'million.test.zone:4099: the many.million.test. A RRset does not fit in a DNS message (65535 bytes) from this record on: it could never be answered',
      'txt.test.zone:6: TXT: RDATA longer than 65535 bytes',
      'zero.test.zone:6: cannot read $INCLUDE file /dev/zero: /dev/zero is not a regular file',
    ]);
    const served = await udpQuery(dnsPort, query('good.test', 'SOA', 1));
    expect(served.answers?.map((a) => a.type)).toEqual(['SOA']);
    for (const [id, name] of [[2, 'txt.test'], [3, 'million.test'], [4, 'loop.test'], [5, 'zero.test']] as const) {
      expect((await udpQuery(dnsPort, query(name, 'SOA', id))).rcode, name).toBe('REFUSED');
    }

    // The good zone edited into a million records on one name: rejected, serial 1 keeps serving.
    const next = path.join(dir, 'good.next');
    writeFileSync(next, millionOnOneName('good.test.', 2));
    renameSync(next, good);
    await waitFor(() => s.logs.some((l) => l.event === 'zone_rejected' && l.reload === true), 'the rejected reload', 60_000);
    const still = await udpQuery(dnsPort, query('good.test', 'SOA', 6));
    expect(still.answers?.map((a) => (a as { data: { serial: number } }).data.serial)).toEqual([1]);
    expect(await healthz(httpPort)).toBe(200);
    expect(s.child.exitCode).toBe(null);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 120_000);
});
