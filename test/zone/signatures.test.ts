// signatureStatus: signed or not, NSEC or NSEC3, the earliest RRSIG expiration, and which RRsets'
// signatures have expired or expire within the window; serial-number time (RFC 4034 §3.1.5).

import { describe, expect, it } from 'vitest';
import { serialTime, signatureStatus } from '../../src/zone/signatures.ts';
import { TYPE_A, TYPE_NS, TYPE_SOA, typeToText } from '../../src/zone/types.ts';
import { n, parse } from './helpers.ts';

const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86400;

/** YYYYMMDDHHmmSS for an RRSIG field, `days` from NOW. */
function sigTime(days: number): string {
  return new Date(NOW.getTime() + days * DAY * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function rrsig(owner: string, covered: string, expiresInDays: number): string {
  return `${owner} 3600 IN RRSIG ${covered} 8 2 3600 ${sigTime(expiresInDays)} ${sigTime(-30)} 12345 example.com. AAAA\n`;
}

const UNSIGNED = `@ 3600 IN SOA ns1 hostmaster 1 3600 600 86400 300
@ 3600 IN NS ns1
ns1 3600 IN A 192.0.2.1
www 3600 IN A 192.0.2.2
`;

const KEYS = `@ 3600 IN DNSKEY 257 3 8 AwEAAQ==\n`;

function zone(text: string) {
  const r = parse(text);
  if (r.errors.length > 0) throw new Error(r.errors.map(String).join('\n'));
  return r.zone;
}

describe('serialTime', () => {
  it('reads a 32-bit time as the instant within 68 years of now', () => {
    const t = Date.UTC(2026, 11, 1) / 1000;
    expect(serialTime(t, NOW).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    // 0 seen from 2026 is 1970; seen from 2040 (past 2^31 s) it is 2^32 s, in 2106.
    expect(serialTime(0, NOW).toISOString()).toBe('1970-01-01T00:00:00.000Z');
    expect(serialTime(0, new Date('2040-01-01T00:00:00Z')).toISOString()).toBe('2106-02-07T06:28:16.000Z');
    // After the 2106 wrap a small value is a time in the future, not in 1970.
    const wrapped = Date.UTC(2106, 2, 1) / 1000 - 2 ** 32;
    expect(serialTime(wrapped, new Date('2106-01-01T00:00:00Z')).toISOString()).toBe('2106-03-01T00:00:00.000Z');
    // The Expiration field as written in 2017, seen from 2026: still 2017.
    expect(serialTime(Date.UTC(2017, 8, 3, 5) / 1000, NOW).toISOString()).toBe('2017-09-03T05:00:00.000Z');
  });
});

describe('signatureStatus', () => {
  it('an unsigned zone: not signed, no denial, no expiry', () => {
    expect(signatureStatus(zone(UNSIGNED), NOW, 7 * DAY)).toEqual({
      signed: false,
      denial: 'none',
      earliestExpiration: null,
      expired: [],
      expiring: [],
    });
  });

  it('signed means DNSKEY and RRSIGs at the apex, both', () => {
    expect(signatureStatus(zone(UNSIGNED + KEYS), NOW, DAY).signed).toBe(false);
    const sigsOnly = signatureStatus(zone(UNSIGNED + rrsig('@', 'SOA', 40)), NOW, DAY);
    expect(sigsOnly.signed).toBe(false);
    expect(sigsOnly.denial).toBe('none');
    // Stray RRSIGs still count for the earliest expiration.
    expect(sigsOnly.earliestExpiration?.toISOString()).toBe(new Date(NOW.getTime() + 40 * DAY * 1000).toISOString());
    expect(signatureStatus(zone(UNSIGNED + KEYS + rrsig('www', 'A', 40)), NOW, DAY).signed).toBe(false);
    expect(signatureStatus(zone(UNSIGNED + KEYS + rrsig('@', 'SOA', 40)), NOW, DAY).signed).toBe(true);
  });

  it('tells NSEC from NSEC3', () => {
    const signed = UNSIGNED + KEYS + rrsig('@', 'SOA', 40);
    expect(signatureStatus(zone(signed), NOW, DAY).denial).toBe('none');
    const nsec = `${signed}@ 300 IN NSEC ns1 NS SOA RRSIG NSEC DNSKEY\n`;
    expect(signatureStatus(zone(nsec), NOW, DAY).denial).toBe('nsec');
    const nsec3 = `${signed}@ 300 IN NSEC3PARAM 1 0 0 -\n2t7b4g4vsa5smi47k61mv5bv1a22bojr 300 IN NSEC3 1 0 0 - 2t7b4g4vsa5smi47k61mv5bv1a22bojr NS SOA\n`;
    expect(signatureStatus(zone(nsec3), NOW, DAY).denial).toBe('nsec3');
    // NSEC3PARAM without an NSEC3 chain is not NSEC3 denial.
    expect(signatureStatus(zone(`${signed}@ 300 IN NSEC3PARAM 1 0 0 -\n`), NOW, DAY).denial).toBe('none');
  });

  it('sorts RRsets into expired and expiring, earliest first, one entry per RRset', () => {
    const text =
      UNSIGNED + KEYS +
      rrsig('@', 'SOA', 40) + // line 6: fine
      rrsig('@', 'NS', -2) + // line 7: expired 2 days ago
      rrsig('WWW', 'A', 3) + // line 8: expires in 3 days
      rrsig('www', 'A', 50) + // line 9: same RRset, another key: the earliest one counts
      rrsig('ns1', 'A', 1) + // line 10: expires tomorrow
      rrsig('@', 'DNSKEY', -10); // line 11: expired 10 days ago
    const s = signatureStatus(zone(text), NOW, 7 * DAY);
    const brief = (list: typeof s.expired) => list.map((i) => `${i.source.line} ${i.owner} ${typeToText(i.covered)}`);
    expect(s.signed).toBe(true);
    expect(brief(s.expired)).toEqual(['11 example.com. DNSKEY', '7 example.com. NS']);
    expect(brief(s.expiring)).toEqual(['10 ns1.example.com. A', '8 www.example.com. A']);
    expect(s.expiring[1].source.file).toBe('test.zone');
    expect(s.expiring[1].covered).toBe(TYPE_A);
    expect(s.expiring[1].expiration.getTime()).toBe(NOW.getTime() + 3 * DAY * 1000);
    expect(s.earliestExpiration?.getTime()).toBe(NOW.getTime() - 10 * DAY * 1000);
    // A shorter window leaves the 3-day one out; a longer one takes the 40-day SOA in.
    expect(brief(signatureStatus(zone(text), NOW, 2 * DAY).expiring)).toEqual(['10 ns1.example.com. A']);
    expect(signatureStatus(zone(text), NOW, 45 * DAY).expiring.map((i) => i.covered)).toEqual([TYPE_A, TYPE_A, TYPE_SOA]);
  });

  it('is valid at its expiration second; the window includes its end', () => {
    const at = (seconds: number) => `@ 3600 IN RRSIG NS 8 2 3600 ${Math.floor(NOW.getTime() / 1000) + seconds} 1 1 example.com. AAAA\n`;
    const status = (seconds: number) => signatureStatus(zone(UNSIGNED + KEYS + at(seconds)), NOW, 100);
    expect(status(-1).expired).toHaveLength(1);
    expect(status(0)).toMatchObject({ expired: [], expiring: [{ covered: TYPE_NS }] });
    expect(status(100)).toMatchObject({ expired: [], expiring: [{ covered: TYPE_NS }] });
    expect(status(101)).toMatchObject({ expired: [], expiring: [] });
  });

  it('keeps classes and owners apart when grouping', () => {
    const text = UNSIGNED + KEYS + rrsig('@', 'SOA', 40) + rrsig('a', 'A', -1) + rrsig('b', 'A', -1) + rrsig('a', 'AAAA', -1);
    expect(signatureStatus(zone(text), NOW, DAY).expired).toHaveLength(3);
  });
});
