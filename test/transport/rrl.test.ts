// Response rate limiting: the classifier, the token bucket, slip, whitelist, prefixes, and one
// table shared by several limiters (workers).
import { describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import type { AnswerEngine } from '../../src/answer/answer.ts';
import { ClientAddress } from '../../src/answer/client-address.ts';
import { parseCidr } from '../../src/config/cidr.ts';
import {
  CLASS_ERROR, CLASS_NODATA, CLASS_NXDOMAIN, CLASS_POSITIVE, CLASS_REFERRAL, CLASS_WILDCARD,
  RRL_DROP, RRL_PASS, RRL_SLIP, ResponseRateLimiter, allocateRrlTable, classify, truncate,
} from '../../src/transport/rrl.ts';
import { SlotCounters, kRrlField } from '../../src/worker/counters.ts';
import { decode, defaultOptions, encodeQuery, engineFor } from '../helpers/engine.ts';

const ZONE = `$TTL 3600
@       IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@       NS ns1
ns1     A 192.0.2.1
www     A 192.0.2.80
www     TXT "text"
mail    A 192.0.2.25
*.wild  A 192.0.2.99
sub     NS ns.other.test.
`;

const T0 = 1_700_000_000;

function setup(options: { rate?: number; slip?: number; whitelist?: string[]; buckets?: number } = {}) {
  const engine = engineFor({ 'example.': ZONE });
  const table = allocateRrlTable(options.buckets ?? 1024);
  const counters = SlotCounters.standalone();
  const settings = {
    rate: options.rate ?? 5,
    slip: options.slip ?? 2,
    whitelist: (options.whitelist ?? []).map((c) => parseCidr(c, 'test')),
  };
  const rrl = new ResponseRateLimiter(table, settings, engine, counters);
  return { engine, table, counters, rrl, settings };
}

const out = new Uint8Array(65536);

/** Answer `name type` for `client` at `now`, then run it through `rrl`: the action and the response sent (null: dropped). */
function send(engine: AnswerEngine, rrl: ResponseRateLimiter, client: string, name: string, type: string, now = T0) {
  const query = encodeQuery(name, type, { edns: 1232 });
  engine.client.setText(client);
  const len = engine.answer(query, query.length, out, false);
  expect(len).toBeGreaterThan(0);
  const action = rrl.decide(engine.client, out, len, now);
  return { action, response: action === RRL_DROP ? null : Buffer.from(out.subarray(0, rrl.length)), cls: rrl.lastClass };
}

function actions(engine: AnswerEngine, rrl: ResponseRateLimiter, client: string, name: string, type: string, n: number, now = T0): number[] {
  return Array.from({ length: n }, () => send(engine, rrl, client, name, type, now).action);
}

describe('classify', () => {
  it('follows Knot: rcode first, then wildcard, then answered or not, AA telling NODATA from a referral', () => {
    expect(classify(3, true, 0, false)).toBe(CLASS_NXDOMAIN);
    expect(classify(3, true, 0, true)).toBe(CLASS_NXDOMAIN);
    for (const rcode of [1, 2, 4, 5, 9, 16]) expect(classify(rcode, false, 0, false)).toBe(CLASS_ERROR);
    expect(classify(0, true, 1, true)).toBe(CLASS_WILDCARD);
    expect(classify(0, true, 2, false)).toBe(CLASS_POSITIVE);
    expect(classify(0, true, 0, false)).toBe(CLASS_NODATA);
    expect(classify(0, false, 0, false)).toBe(CLASS_REFERRAL);
  });

  it('classifies the engine\'s own answers', () => {
    const { engine, rrl } = setup({ rate: 1000 });
    const cls = (name: string, type: string) => send(engine, rrl, '192.0.2.10', name, type).cls;
    expect(cls('www.example.', 'A')).toBe(CLASS_POSITIVE);
    expect(cls('www.example.', 'AAAA')).toBe(CLASS_NODATA);
    expect(cls('nope.example.', 'A')).toBe(CLASS_NXDOMAIN);
    expect(cls('host.sub.example.', 'A')).toBe(CLASS_REFERRAL);
    expect(cls('x.wild.example.', 'A')).toBe(CLASS_WILDCARD);
    expect(cls('example.org.', 'A')).toBe(CLASS_ERROR); // REFUSED: not our zone
    // BADVERS is extended (16): its header bits read NOERROR, the engine's rcode does not.
    const badvers = encodeQuery('www.example.', 'A', { edns: 1232 });
    badvers[badvers.length - 5] = 1; // EDNS version 1 (OPT: name, type, class, ext-rcode, version…)
    const len = engine.answer(badvers, badvers.length, out, false);
    expect(engine.lastRcode).toBe(16);
    expect(out[3] & 0x0f).toBe(0);
    rrl.decide(engine.client, out, len, T0);
    expect(rrl.lastClass).toBe(CLASS_ERROR);
  });
});

describe('ResponseRateLimiter', () => {
  it('lets `rate` answers a second through, limits the rest, and refills at the next second', () => {
    const { engine, rrl, counters } = setup({ rate: 5, slip: 0 });
    expect(actions(engine, rrl, '192.0.2.10', 'www.example.', 'A', 8)).toEqual([0, 0, 0, 0, 0, 1, 1, 1]);
    expect(actions(engine, rrl, '192.0.2.10', 'www.example.', 'A', 6, T0 + 1)).toEqual([0, 0, 0, 0, 0, 1]);
    expect([...counters.cells.subarray(kRrlField, kRrlField + 3)]).toEqual([10, 4, 0]);
  });

  it('slips every Nth limited answer: slip 2 alternates, 1 slips all, 0 drops all', () => {
    const two = setup({ rate: 2, slip: 2 });
    expect(actions(two.engine, two.rrl, '192.0.2.10', 'www.example.', 'A', 8)).toEqual([
      RRL_PASS, RRL_PASS, RRL_DROP, RRL_SLIP, RRL_DROP, RRL_SLIP, RRL_DROP, RRL_SLIP,
    ]);
    const one = setup({ rate: 2, slip: 1 });
    expect(actions(one.engine, one.rrl, '192.0.2.10', 'www.example.', 'A', 5)).toEqual([0, 0, 2, 2, 2]);
    const three = setup({ rate: 1, slip: 3 });
    expect(actions(three.engine, three.rrl, '192.0.2.10', 'www.example.', 'A', 7)).toEqual([0, 1, 1, 2, 1, 1, 2]);
    const zero = setup({ rate: 1, slip: 0 });
    expect(actions(zero.engine, zero.rrl, '192.0.2.10', 'www.example.', 'A', 5)).toEqual([0, 1, 1, 1, 1]);
  });

  it('sends a slipped answer as TC=1 with the question only (same ID), which dns-packet reads', () => {
    const { engine, rrl } = setup({ rate: 1, slip: 1 });
    send(engine, rrl, '192.0.2.10', 'www.example.', 'A');
    const { action, response } = send(engine, rrl, '192.0.2.10', 'www.example.', 'A');
    expect(action).toBe(RRL_SLIP);
    const d = decode(response!);
    expect(d.id).toBe(0x1234);
    expect(d.flag_tc).toBe(true);
    expect(d.questions).toEqual([{ name: 'www.example', type: 'A', class: 'IN' }]);
    expect([d.answers.length, d.authorities.length, d.additionals.length]).toEqual([0, 0, 0]);
    expect(response!.length).toBe(12 + 'www.example.'.length + 1 + 4);
  });

  it('truncates a response without a question to its header', () => {
    const r = new Uint8Array(40).fill(7);
    r[4] = 0;
    r[5] = 0;
    expect(truncate(r, 40)).toBe(12);
    expect([...r.subarray(4, 12)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(r[2] & 0x02).toBe(2);
  });

  it('keys IPv4 clients by /24 and IPv6 clients by /56', () => {
    const v4 = setup({ rate: 2, slip: 0 });
    expect(actions(v4.engine, v4.rrl, '198.51.100.1', 'www.example.', 'A', 2)).toEqual([0, 0]);
    expect(actions(v4.engine, v4.rrl, '198.51.100.254', 'www.example.', 'A', 1)).toEqual([1]); // same /24
    expect(actions(v4.engine, v4.rrl, '198.51.101.1', 'www.example.', 'A', 2)).toEqual([0, 0]); // next /24
    expect(actions(v4.engine, v4.rrl, '::ffff:198.51.100.9', 'www.example.', 'A', 1)).toEqual([1]); // mapped: the same client
    const v6 = setup({ rate: 2, slip: 0 });
    expect(actions(v6.engine, v6.rrl, '2001:db8:0:1200::1', 'www.example.', 'A', 2)).toEqual([0, 0]);
    expect(actions(v6.engine, v6.rrl, '2001:db8:0:12ff:ffff::9', 'www.example.', 'A', 1)).toEqual([1]); // same /56
    expect(actions(v6.engine, v6.rrl, '2001:db8:0:1300::1', 'www.example.', 'A', 2)).toEqual([0, 0]); // next /56
  });

  it('keeps a bucket per class and name: qname+qtype for answers, the zone for NXDOMAIN and NODATA', () => {
    const { engine, rrl } = setup({ rate: 2, slip: 0 });
    const c = '192.0.2.10';
    expect(actions(engine, rrl, c, 'www.example.', 'A', 3)).toEqual([0, 0, 1]);
    expect(actions(engine, rrl, c, 'www.example.', 'TXT', 2)).toEqual([0, 0]); // other type
    expect(actions(engine, rrl, c, 'mail.example.', 'A', 2)).toEqual([0, 0]); // other name
    // Every missing name of a zone shares one bucket: random-subdomain floods are limited.
    expect(actions(engine, rrl, c, 'a1.example.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'a2.example.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'a3.example.', 'MX', 1)).toEqual([1]);
    // NODATA is its own class, also by zone.
    expect(actions(engine, rrl, c, 'www.example.', 'AAAA', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'mail.example.', 'AAAA', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'ns1.example.', 'AAAA', 1)).toEqual([1]);
    // Wildcard answers by the wildcard, whatever name matched it.
    expect(actions(engine, rrl, c, 'p.wild.example.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'q.wild.example.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'r.wild.example.', 'A', 1)).toEqual([1]);
    // Referrals by the cut; errors (REFUSED here) by the client alone.
    expect(actions(engine, rrl, c, 'a.sub.example.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'b.sub.example.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'c.sub.example.', 'A', 1)).toEqual([1]);
    expect(actions(engine, rrl, c, 'example.org.', 'A', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'example.net.', 'TXT', 1)).toEqual([0]);
    expect(actions(engine, rrl, c, 'other.test.', 'A', 1)).toEqual([1]);
  });

  it('never limits a whitelisted prefix', () => {
    const { engine, rrl, counters } = setup({ rate: 1, slip: 0, whitelist: ['203.0.113.0/25', '2001:db8:ff::/48'] });
    expect(actions(engine, rrl, '203.0.113.7', 'www.example.', 'A', 20).every((a) => a === RRL_PASS)).toBe(true);
    expect(actions(engine, rrl, '2001:db8:ff:1::1', 'www.example.', 'A', 20).every((a) => a === RRL_PASS)).toBe(true);
    // Outside the prefix (the /25's other half): limited.
    expect(actions(engine, rrl, '203.0.113.200', 'www.example.', 'A', 3)).toEqual([0, 1, 1]);
    expect(counters.cells[kRrlField]).toBe(41);
  });

  it('never limits a query with a valid server cookie (RFC 7873), as BIND; a client cookie alone is limited', () => {
    const engine = engineFor({ 'example.': ZONE }, {
      ...defaultOptions, cookies: { current: new Uint8Array(16).fill(7), previous: null },
    });
    const rrl = new ResponseRateLimiter(allocateRrlTable(1024), { rate: 1, slip: 0, whitelist: [] }, engine, null);
    const withCookie = (cookie: Buffer) => {
      const q = encodeQuery('www.example.', 'A', { edns: 1232 });
      const option = Buffer.concat([Buffer.from([0, 10, 0, cookie.length]), cookie]);
      q.writeUInt16BE(option.length, q.length - 2);
      return Buffer.concat([q, option]);
    };
    const clientOnly = withCookie(Buffer.alloc(8, 1));
    const decideFor = (q: Buffer) => {
      engine.client.setText('198.51.100.9');
      const len = engine.answer(q, q.length, out, false);
      return rrl.decide(engine.client, out, len, T0);
    };
    expect([decideFor(clientOnly), decideFor(clientOnly)]).toEqual([RRL_PASS, RRL_DROP]);
    // The server cookie our last answer carried (client cookie 8 bytes, server cookie 16).
    const opt = out.subarray(0, engine.answer(clientOnly, clientOnly.length, out, false));
    const full = withCookie(Buffer.from(opt.subarray(opt.length - 24)));
    for (let i = 0; i < 20; i++) expect(decideFor(full)).toBe(RRL_PASS);
    expect(engine.lastCookieValid).toBe(true);
    expect(decideFor(clientOnly)).toBe(RRL_DROP);
  });

  it('adds up the answers of every worker sharing the table', () => {
    const a = setup({ rate: 10, slip: 0 });
    const engineB = engineFor({ 'example.': ZONE });
    const b = new ResponseRateLimiter(a.table, a.settings, engineB, null);
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      seen.push(send(a.engine, a.rrl, '192.0.2.10', 'www.example.', 'A').action);
      seen.push(send(engineB, b, '192.0.2.11', 'www.example.', 'A').action);
    }
    expect(seen.filter((x) => x === RRL_PASS)).toHaveLength(10);
    expect(seen.slice(10).every((x) => x === RRL_DROP)).toBe(true);
  });

  it('lets a new key take a bucket over: the table is bounded, and lossy', () => {
    // One bucket: every key collides; each takeover starts full, so nothing is wrongly limited.
    const { engine, rrl } = setup({ rate: 1, slip: 0, buckets: 1 });
    for (let i = 0; i < 50; i++) {
      expect(send(engine, rrl, `10.0.${i}.1`, 'www.example.', 'A').action).toBe(RRL_PASS);
    }
    expect(() => allocateRrlTable(3)).toThrow(/power of two/);
  });

  it('is off at rate 0', () => {
    const { engine, rrl } = setup({ rate: 0 });
    expect(actions(engine, rrl, '192.0.2.10', 'www.example.', 'A', 50).every((x) => x === RRL_PASS)).toBe(true);
  });
});

it('ClientAddress and parseCidr agree on IPv4-mapped prefixes', () => {
  const c = new ClientAddress();
  c.setText('::ffff:198.51.100.77');
  expect(c.family).toBe(4);
  expect(parseCidr('::ffff:198.51.100.0/120', 'x')).toMatchObject({ family: 4, bits: 24, bytes: [198, 51, 100, 0] });
  expect(dnsPacket).toBeDefined();
});
