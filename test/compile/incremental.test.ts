// Incremental compiles answer exactly as a full compile of the same records: each kind of
// dependent template (glue of a referral, additional data, wildcards, CNAME chains, DNAME, empty
// non-terminals, delegations appearing and going) changed one at a time, cumulatively, every
// answer compared (all names × types, DO on/off, two UDP sizes).

import { describe, expect, test } from 'vitest';
import type { WireRecord } from '../../src/transfer/message.ts';
import { lowerName, nameToText } from '../../src/zone/name.ts';
import { bumpSerial, fixture, fullVersion, parseRecords, rechain, recordsOf, sameAsFull, step, type Version } from '../helpers/incremental.ts';

const ORIGIN = 'dnssec.test.';

/** Records without those matching (owner, type), plus the records of `add` (zone text). */
function edit(records: WireRecord[], remove: [string, string][], add: string): WireRecord[] {
  const drop = (r: WireRecord): boolean => remove.some(([owner, type]) => {
    const o = nameToText(lowerName(r.owner));
    const t = typeCode(type);
    return o === owner && (t === -1 || r.type === t);
  });
  const kept = records.filter((r, i) => i === 0 || !drop(r));
  const added = add === '' ? [] : parseRecords(ORIGIN, `$TTL 3600\n${records0Soa}\n${add}`).slice(1);
  return bumpSerial([...kept, ...added]);
}

const records0Soa = '@ SOA ns1 hostmaster 1 7200 3600 1209600 300';

function typeCode(t: string): number {
  const codes: Record<string, number> = { '*': -1, A: 1, NS: 2, CNAME: 5, MX: 15, TXT: 16, AAAA: 28, SRV: 33, DNAME: 39, DS: 43 };
  return codes[t];
}

const CHANGES: [string, [string, string][], string][] = [
  ['glue of a referral changes', [['ns.insecure1.dnssec.test.', 'A']], 'ns.insecure1 A 192.0.2.231'],
  ['glue added for a referral without', [], 'ns.deleg-d AAAA 2001:db8::132'],
  ['a referral\'s NS set changes', [['deleg-a.dnssec.test.', 'NS']], 'deleg-a NS ns.deleg-a\nns.deleg-a A 192.0.2.140'],
  ['in-zone NS target address (apex NS, deleg-c referral)', [['ns1.dnssec.test.', 'A']], 'ns1 A 192.0.2.153'],
  ['MX target address (additional data)', [['mail.dnssec.test.', 'AAAA']], ''],
  ['SRV target address', [['sip.dnssec.test.', 'A']], 'sip A 192.0.2.61\nsip AAAA 2001:db8::61'],
  ['CNAME chain end changes (chain1 → … → www)', [['www.dnssec.test.', 'A']], 'www A 192.0.2.81'],
  ['dangling CNAME target appears', [], 'nonexistent TXT "now here"'],
  ['CNAME target removed again', [['nonexistent.dnssec.test.', '*']], ''],
  ['wildcard data changes', [['*.wild.dnssec.test.', 'A']], '*.wild A 192.0.2.101'],
  ['wildcard added', [], '*.ent2 A 192.0.2.150'],
  ['wildcard removed', [['*.beside.dnssec.test.', '*']], ''],
  ['DNAME target changes', [['alias.dnssec.test.', 'DNAME']], 'alias DNAME www'],
  ['new empty non-terminals', [], 'x.y.z.deep A 192.0.2.160'],
  ['leaf below empty non-terminals removed', [['leaf.l3.l2.l1.ents.dnssec.test.', '*']], ''],
  ['a name becomes a delegation over existing names', [], 'ent2 NS ns.example.net.'],
  ['a delegation goes', [['insecure1.dnssec.test.', 'NS']], ''],
  ['apex NS set changes', [['dnssec.test.', 'NS']], '@ NS ns1\n@ NS mail'],
  ['CNAME replaced by data', [['cname.dnssec.test.', 'CNAME']], 'cname A 192.0.2.170'],
  ['new CNAME into a wildcard', [], 'new-cname CNAME q.wild'],
];

describe('incremental compile (unsigned)', () => {
  const base = parseRecords(ORIGIN, fixture('dnssec/dnssec.test.zone'));
  let v: Version = fullVersion(base);
  for (const [what, remove, add] of CHANGES) {
    test(what, () => {
      const before = v;
      v = step(v, edit(recordsOf(v), remove, add));
      expect(v.reason).toBeUndefined();
      expect(v.how).toBe('incremental');
      expect(sameAsFull(v, before)).toEqual([]);
    });
  }
});

for (const variant of ['nsec', 'nsec3', 'nsec3-optout']) {
  describe(`incremental compile (signed, ${variant}): NSEC/NSEC3 neighbours and proofs`, () => {
    const base = rechain(parseRecords(ORIGIN, fixture(`dnssec/dnssec.test.${variant}.signed.zone`)));
    let v: Version = fullVersion(base);
    for (const [what, remove, add] of CHANGES) {
      test(what, () => {
        const before = v;
        v = step(v, rechain(edit(recordsOf(v), remove, add)));
        expect(v.reason).toBeUndefined();
        expect(v.how).toBe('incremental');
        expect(sameAsFull(v, before)).toEqual([]);
      });
    }
  });
}
