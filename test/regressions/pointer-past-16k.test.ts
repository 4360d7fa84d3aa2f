// Issue #17: a signed zone with a wildcard holding 1,500 A records, queried with DO over TCP for
// a long name below the wildcard (a 24 KB answer): the RRSIG of the NSEC proof came back with
// owner `\,.` instead of `*.w.big.test.`: its owner pointer aimed past 16 KiB (0x3FFF) and
// wrapped. A pointer holds 14 bits; beyond that the name must be written out.
import dnsPacket from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { askRaw, encodeQuery, engineFor, type Decoded } from '../helpers/engine.ts';
import { BIG_ORIGIN, bigNsec3Zone, bigNsecZone, longNameBelow, pointerProblems } from '../helpers/big-signed-zone.ts';

const abs = (n: string) => (n.endsWith('.') ? n : `${n}.`).toLowerCase();

function askTcp(zone: string, name: string, type = 'A'): { raw: Buffer; res: Decoded } {
  const engine = engineFor({ [BIG_ORIGIN]: zone });
  const raw = askRaw(engine, encodeQuery(name, type, { edns: 4096, do: true }), true);
  if (raw === null) throw new Error('dropped');
  return { raw, res: dnsPacket.decode(raw) as unknown as Decoded };
}

/** Every RRSIG of the authority section is owned by a record of the type it covers there. */
function expectSigsBesideTheirRecords(res: Decoded): void {
  for (const r of res.authorities.filter((x) => x.type === 'RRSIG')) {
    const covered = (r.data as { typeCovered: string }).typeCovered;
    const owners = res.authorities.filter((x) => x.type === covered).map((x) => abs(x.name));
    expect(owners, `RRSIG ${covered} owned by ${r.name}`).toContain(abs(r.name));
  }
}

describe('answers over 16 KiB keep every compression pointer in range', () => {
  test('the reported case: NSEC wildcard proof after 1,500 A records, long query name, TCP', () => {
    const name = longNameBelow(`w.${BIG_ORIGIN}`);
    const { raw, res } = askTcp(bigNsecZone(), name);
    expect(raw.length).toBeGreaterThan(0x4000);
    expect(res.flag_tc).toBe(false);
    expect(res.answers.filter((r) => r.type === 'A')).toHaveLength(1500);
    const nsec = res.authorities.filter((r) => r.type === 'NSEC');
    expect(nsec.map((r) => abs(r.name))).toEqual([`*.w.${BIG_ORIGIN}`]);
    const sigs = res.authorities.filter((r) => r.type === 'RRSIG');
    expect(sigs.map((r) => abs(r.name))).toEqual([`*.w.${BIG_ORIGIN}`]);
    expectSigsBesideTheirRecords(res);
    expect(pointerProblems(raw)).toEqual([]);
  });

  test('NSEC3: closest encloser and next closer proofs after the wildcard answer', () => {
    const name = longNameBelow(`w.${BIG_ORIGIN}`);
    const { raw, res } = askTcp(bigNsec3Zone(), name);
    expect(raw.length).toBeGreaterThan(0x4000);
    expect(res.answers.filter((r) => r.type === 'A')).toHaveLength(1500);
    expect(res.authorities.filter((r) => r.type === 'NSEC3').length).toBeGreaterThan(0);
    expectSigsBesideTheirRecords(res);
    expect(pointerProblems(raw)).toEqual([]);
  });

  test('DNAME onto the wildcard: the synthesized name chased into a 24 KB answer', () => {
    for (const zone of [bigNsecZone(), bigNsec3Zone()]) {
      const name = longNameBelow(`d.${BIG_ORIGIN}`, 200);
      const { raw, res } = askTcp(zone, name);
      expect(res.answers.filter((r) => r.type === 'A')).toHaveLength(1500);
      expect(res.answers.find((r) => r.type === 'CNAME')?.data).toBe(name.replace(/d\.big\.test\.$/, 'w.big.test'));
      expectSigsBesideTheirRecords(res);
      expect(pointerProblems(raw)).toEqual([]);
    }
  });
});
