// knotd gives every malformed query of test/helpers/malformed.ts the outcome Peregrine's unit
// tests expect (test/answer/malformed.test.ts): the same rcode, or a drop.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dgram from 'node:dgram';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { malformedCases, outcome } from '../helpers/malformed.ts';
import { startKnot, type KnotHandle } from './helpers/knotd.ts';

const ZONE = `$ORIGIN example.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.80
`;

let knot: KnotHandle | undefined;
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peregrine-malformed-'));
  await writeFile(path.join(dir, 'example.zone'), ZONE);
  knot = await startKnot({ zones: [{ origin: 'example.', file: path.join(dir, 'example.zone') }] });
}, 60_000);

afterAll(async () => {
  await knot?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** One datagram; null when nothing came back within `timeoutMs` (a drop). */
function udp(port: number, packet: Buffer, timeoutMs = 700): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, timeoutMs);
    socket.on('message', (m) => {
      clearTimeout(timer);
      socket.close();
      resolve(m);
    });
    socket.send(packet, port, '127.0.0.1');
  });
}

test('knotd answers (or drops) each malformed query as Peregrine does', async () => {
  if (!knot) throw new Error('knotd did not start');
  const cases = malformedCases();
  const seen = await Promise.all(cases.map(async (c) => [c.label, outcome(await udp(knot!.port, c.packet))]));
  expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(cases.map((c) => [c.label, c.expect])));
}, 30_000);
