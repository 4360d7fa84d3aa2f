// Property: answers of any size up to 64 KiB keep every compression pointer valid. Signed zones
// (NSEC and NSEC3) with wildcards of many records, many MX targets with address records in
// additional, a DNAME onto a wildcard; query names of every length, over TCP and over UDP with a
// 65535-byte limit. For every answer: each pointer points before itself and at most at 0x3FFF,
// the message parses with dns-packet, and every name decodes to a name of the zone.
import dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AnswerEngine } from '../../src/answer/answer.ts';
import { askRaw, encodeQuery, engineFor, type Decoded } from '../helpers/engine.ts';
import { BIG_ORIGIN, WMX, bigNsec3Zone, bigUnsignedZone, bigNsecZone, longNameBelow, pointerProblems } from '../helpers/big-signed-zone.ts';

const ENGINES: { label: string; engine: AnswerEngine }[] = [];
for (const [wildcardA, wildcardMx] of [[900, 120], [1500, 190]]) {
  ENGINES.push({ label: `NSEC ${wildcardA} A ${wildcardMx} MX`, engine: engineFor({ [BIG_ORIGIN]: bigNsecZone({ wildcardA, wildcardMx }) }) });
  ENGINES.push({ label: `NSEC3 ${wildcardA} A ${wildcardMx} MX`, engine: engineFor({ [BIG_ORIGIN]: bigNsec3Zone({ wildcardA, wildcardMx }) }, { maxUdpPayload: 65535, chaos: { idServer: 'x', hostnameBind: 'x', versionBind: 'x' } }) });
}

ENGINES.push({ label: 'unsigned 100 A 400 MX', engine: engineFor({ [BIG_ORIGIN]: bigUnsignedZone({ wildcardA: 100, wildcardMx: 400 }) }) });

const QUERIES = [
  { below: `dmx.${BIG_ORIGIN}`, type: 'MX' },
  { below: `w.${BIG_ORIGIN}`, type: 'A' },
  { below: WMX, type: 'MX' },
  { below: `d.${BIG_ORIGIN}`, type: 'A' },
  { below: `d.${BIG_ORIGIN}`, type: 'MX' },
  { below: `nx.${BIG_ORIGIN}`, type: 'A' },
];

const inZone = (name: string) => `${name.toLowerCase()}.`.replace(/\.\.$/, '.').endsWith(BIG_ORIGIN);

describe('answers up to 64 KiB', () => {
  it('every compression pointer points back and below 0x4000; the message parses', () => {
    fc.assert(fc.property(
      fc.nat(ENGINES.length - 1), fc.nat(QUERIES.length - 1), fc.integer({ min: 20, max: 250 }),
      fc.boolean(), fc.boolean(),
      (e, k, length, tcp, dnssec) => {
        const { label, engine } = ENGINES[e];
        const query = QUERIES[k];
        const name = longNameBelow(query.below, Math.max(length, query.below.length + 4));
        const raw = askRaw(engine, encodeQuery(name, query.type, { edns: 65535, do: dnssec }), tcp);
        expect(raw, label).not.toBeNull();
        expect(pointerProblems(raw!), `${label} ${name} ${query.type}`).toEqual([]);
        const res = dnsPacket.decode(raw!) as unknown as Decoded;
        for (const r of [...res.answers, ...res.authorities, ...res.additionals]) {
          if (r.type === 'OPT') continue;
          expect(inZone(r.name), `${label}: owner ${r.name}`).toBe(true);
        }
        for (const r of res.additionals.filter((x) => x.type === 'A' || x.type === 'AAAA')) {
          expect(r.name.toLowerCase(), label).toMatch(/^(mx\d+|ns)\.big\.test\.?$/);
        }
        for (const r of res.answers.filter((x) => x.type === 'MX')) {
          expect((r.data as { exchange: string }).exchange.toLowerCase(), label).toMatch(/^mx\d+\.big\.test\.?$/);
        }
      },
    ), { numRuns: 150 });
  });
});
