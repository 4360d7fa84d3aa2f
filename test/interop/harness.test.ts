// Self-test of the interop machinery (it must neither invent nor miss differences):
//  - two identical knotd instances: zero differences over the whole corpus;
//  - knotd vs NSD (a different implementation): real differences are reported;
//  - mutated copies of real responses: each mutation shows up in the right field.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALL_ZONES, FIXTURE_ZONES, buildCorpus } from './corpus.ts';
import { buildQuery, udpQuery } from './helpers/dns-client.ts';
import { diffNormalized, normalize } from './helpers/compare.ts';
import { startKnot, type KnotHandle } from './helpers/knotd.ts';
import { startNsd } from './helpers/nsd.ts';
import type { ServerHandle } from './helpers/process.ts';
import { compareServers, countQueries, formatReport } from './helpers/run.ts';

let knotA: KnotHandle | undefined;
let knotB: KnotHandle | undefined;

beforeAll(async () => {
  [knotA, knotB] = await Promise.all([startKnot({ zones: ALL_ZONES }), startKnot({ zones: ALL_ZONES })]);
}, 60_000);

afterAll(async () => {
  await Promise.all([knotA?.stop(), knotB?.stop()]);
});

function knots(): [KnotHandle, KnotHandle] {
  if (!knotA || !knotB) throw new Error('knotd did not start');
  return [knotA, knotB];
}

describe('interop harness', () => {
  test('two identical knotd instances: no differences at all', async () => {
    const [a, b] = knots();
    const cases = buildCorpus();
    const results = await compareServers({ name: 'knotd-a', port: a.port }, { name: 'knotd-b', port: b.port }, cases);
    expect(results.length).toBe(countQueries(cases));
    const bad = results.filter((r) => r.diffs.length > 0);
    if (bad.length > 0) throw new Error(formatReport(results, 'knotd-a', 'knotd-b'));
  });

  test('knotd vs NSD: known implementation differences are reported', async () => {
    const [a] = knots();
    let nsd: ServerHandle | undefined;
    try {
      nsd = await startNsd({ zones: FIXTURE_ZONES });
      const cases = buildCorpus().filter((c) => !c.label.includes('shop.example'));
      const results = await compareServers({ name: 'knotd', port: a.port }, { name: 'nsd', port: nsd.port }, cases);
      const byLabel = new Map(results.map((r) => [r.label, r]));
      // NSD puts the apex NS RRset in the authority section of positive answers; Knot does not.
      const apexA = byLabel.get('udp edns1232 interop.test. IN A');
      expect(apexA?.diffs.map((d) => d.field)).toContain('authority');
      // Knot answers ANY with one RRset (RFC 8482), NSD with another.
      const apexAny = byLabel.get('udp edns1232 interop.test. IN ANY');
      expect(apexAny?.diffs.map((d) => d.field)).toContain('answer');
      // Queries where both agree are not reported.
      const nx = byLabel.get('udp edns1232 nonexistent.interop.test. IN A');
      expect(nx?.diffs).toEqual([]);
      expect(results.filter((r) => r.diffs.length > 0).length).toBeGreaterThan(20);
    } finally {
      await nsd?.stop();
    }
  });

  test('mutated responses: every mutation lands in its field', async () => {
    const [a] = knots();
    const query = buildQuery({ name: 'www.InTeRoP.TeSt.', type: 'A', edns: { udpPayloadSize: 1232 } });
    const real = await udpQuery(a.port, query);
    const base = normalize(query, real);
    expect(diffNormalized(base, normalize(query, Buffer.from(real)))).toEqual([]);

    const fieldsAfter = (mutate: (b: Buffer) => Buffer) =>
      diffNormalized(base, normalize(query, mutate(Buffer.from(real)))).map((d) => d.field);

    // header bits
    expect(fieldsAfter((b) => (b.writeUInt8(b[2] ^ 0x04, 2), b))).toEqual(['flag.aa']);
    expect(fieldsAfter((b) => (b.writeUInt8(b[3] ^ 0x80, 3), b))).toEqual(['flag.ra']);
    expect(fieldsAfter((b) => (b.writeUInt8((b[3] & 0xf0) | 3, 3), b))).toEqual(['rcode']);
    expect(fieldsAfter((b) => (b.writeUInt16BE(b.readUInt16BE(0) ^ 1, 0), b))).toEqual(['id']);
    // question echoed in another case: 'I' -> 'i' (the answer owner points there too)
    expect(fieldsAfter((b) => (b.writeUInt8(0x69, 17), b))).toEqual(['question', 'case']);
    // the A record is the first RR after the question (owner is a 2-byte pointer)
    const qEnd = 12 + 18 + 4;
    expect(fieldsAfter((b) => (b.writeUInt32BE(b.readUInt32BE(qEnd + 6) + 1, qEnd + 6), b))).toEqual(['answer']);
    expect(fieldsAfter((b) => (b.writeUInt8(b[qEnd + 12 + 3] ^ 1, qEnd + 12 + 3), b))).toEqual(['answer']);
    // drop the OPT record (last in the message, 11 bytes, ARCOUNT 1 -> 0)
    const noOpt = fieldsAfter((b) => {
      b.writeUInt16BE(0, 10);
      return b.subarray(0, b.length - 11);
    });
    expect(noOpt).toContain('opt');
    // DO bit set in the OPT TTL field
    expect(fieldsAfter((b) => (b.writeUInt8(b[b.length - 4] | 0x80, b.length - 4), b))).toEqual(['opt.do']);
    // message cut short
    expect(fieldsAfter((b) => b.subarray(0, b.length - 3))).toContain('wire');
    // no response at all
    expect(diffNormalized(base, normalize(query, undefined)).map((d) => d.field)).toEqual(['response']);
  });
});
