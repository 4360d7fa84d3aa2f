// NSID (RFC 5001) and DNS cookies (RFC 7873, server cookies of RFC 9018) through the answer
// function: what is sent back, when, and which rcode; cookie bytes checked against RFC 9018's
// appendix examples.
import { describe, expect, it } from 'vitest';
import { askRaw, defaultOptions, encodeQuery, engineFor } from '../helpers/engine.ts';
import type { AnswerEngine } from '../../src/answer/answer.ts';
import { parseNsid } from '../../src/answer/edns-options.ts';
import { parseCookieSecrets } from '../../src/answer/cookies.ts';

const ZONE = '@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.7\n';
const NSID = 3;
const COOKIE = 10;

/** ns.example.test A with EDNS and these options ([code, data hex]). */
function query(options: [number, string][], type = 'A'): Buffer {
  const q = encodeQuery('ns.example.test', type, { edns: 1232 });
  const parts = options.map(([code, hex]) => {
    const data = Buffer.from(hex, 'hex');
    const head = Buffer.alloc(4);
    head.writeUInt16BE(code, 0);
    head.writeUInt16BE(data.length, 2);
    return Buffer.concat([head, data]);
  });
  const rdata = Buffer.concat(parts);
  q.writeUInt16BE(rdata.length, q.length - 2);
  return Buffer.concat([q, rdata]);
}

interface Reply { rcode: number; options: Map<number, string>; answers: number; tc: boolean }

/** The response's full rcode (header + OPT) and its OPT options (code → data hex). */
function reply(engine: AnswerEngine, q: Buffer, tcp = false): Reply {
  const r = askRaw(engine, q, tcp)!;
  // The OPT is the last record: find it from the end by walking the options back is fragile;
  // walk the message instead (names in our answers are compressed pointers or short).
  let p = 12;
  const skipName = () => {
    for (;;) {
      const l = r[p];
      if (l === 0) { p++; return; }
      if ((l & 0xc0) === 0xc0) { p += 2; return; }
      p += l + 1;
    }
  };
  const counts = [r.readUInt16BE(4), r.readUInt16BE(6), r.readUInt16BE(8), r.readUInt16BE(10)];
  for (let i = 0; i < counts[0]; i++) { skipName(); p += 4; }
  const options = new Map<number, string>();
  let extended = 0;
  for (let i = 0; i < counts[1] + counts[2] + counts[3]; i++) {
    skipName();
    const type = r.readUInt16BE(p);
    const rdlen = r.readUInt16BE(p + 8);
    if (type === 41) {
      extended = r[p + 4];
      for (let o = p + 10; o < p + 10 + rdlen;) {
        const len = r.readUInt16BE(o + 2);
        options.set(r.readUInt16BE(o), r.subarray(o + 4, o + 4 + len).toString('hex'));
        o += 4 + len;
      }
    }
    p += 10 + rdlen;
  }
  expect(p).toBe(r.length);
  return { rcode: (extended << 4) | (r[3] & 0x0f), options, answers: counts[1], tc: (r[2] & 0x02) !== 0 };
}

describe('NSID', () => {
  it('is off by default: an NSID request gets no NSID option', () => {
    const engine = engineFor({ 'example.test.': ZONE });
    expect(reply(engine, query([[NSID, '']])).options.has(NSID)).toBe(false);
  });

  it('answers an empty NSID option with the configured bytes, text or 0x hex', () => {
    for (const [text, hex] of [['ns1.pop-ams', Buffer.from('ns1.pop-ams').toString('hex')], ['0x00ff10', '00ff10']]) {
      const engine = engineFor({ 'example.test.': ZONE }, { ...defaultOptions, nsid: parseNsid(text) });
      const r = reply(engine, query([[NSID, '']]));
      expect(r.rcode).toBe(0);
      expect(r.answers).toBe(1);
      expect(r.options.get(NSID)).toBe(hex);
      // Errors carry it too (REFUSED for a name outside our zones).
      const refused = encodeQuery('www.elsewhere.test', 'A', { edns: 1232 });
      refused.writeUInt16BE(4, refused.length - 2);
      const r2 = reply(engine, Buffer.concat([refused, Buffer.from([0, NSID, 0, 0])]));
      expect(r2.rcode).toBe(5);
      expect(r2.options.get(NSID)).toBe(hex);
      expect(r2.options.has(15)).toBe(true); // EDE beside it
    }
  });

  it('is not sent unasked, nor to a non-empty NSID option, nor without EDNS', () => {
    const engine = engineFor({ 'example.test.': ZONE }, { ...defaultOptions, nsid: parseNsid('ns1') });
    expect(reply(engine, query([])).options.size).toBe(0);
    expect(reply(engine, query([[NSID, 'aa']])).options.size).toBe(0);
    const plain = askRaw(engine, encodeQuery('ns.example.test', 'A'))!;
    expect(plain.readUInt16BE(10)).toBe(0);
    // A later query without the option gets none: nothing carries over between packets.
    expect(reply(engine, query([[NSID, '']])).options.has(NSID)).toBe(true);
    expect(reply(engine, query([])).options.size).toBe(0);
  });

  it('rejects NSID text that is empty, bad hex or too long', () => {
    expect(() => parseNsid('')).toThrow(/empty/);
    expect(() => parseNsid('0xabc')).toThrow(/hex/);
    expect(() => parseNsid('0xzz')).toThrow(/hex/);
    expect(() => parseNsid('x'.repeat(129))).toThrow(/at most/);
  });
});

// RFC 9018 Appendix A.1/A.2: client 198.51.100.100, secret e5e973e5a6b2a43f48e7dc849e37bfcf.
const SECRET = 'e5e973e5a6b2a43f48e7dc849e37bfcf';
const CC = '2464c4abcf10c957';
const T1 = 1559731985; // 2019-06-05 10:53:05 UTC
const SC1 = '010000005cf79f111f8130c3eee29480';
const SC2 = '010000005cf7a871d4a564a1442aca77'; // 40 minutes later, re-issued

function cookieEngine(secretFile = SECRET, now = T1, nsid?: string): AnswerEngine {
  const engine = engineFor({ 'example.test.': ZONE }, {
    ...defaultOptions, cookies: parseCookieSecrets(secretFile, 'secret'), nsid: nsid === undefined ? null : parseNsid(nsid),
  });
  engine.client.setText('198.51.100.100');
  setNow(engine, now);
  return engine;
}

function setNow(engine: AnswerEngine, now: number): void {
  engine.ednsOptions.serverCookies!.now = () => now;
}

describe('DNS cookies', () => {
  it('gives a client cookie alone the RFC 9018 server cookie and a normal answer', () => {
    const engine = cookieEngine();
    const r = reply(engine, query([[COOKIE, CC]]));
    expect(r.rcode).toBe(0);
    expect(r.answers).toBe(1);
    expect(r.options.get(COOKIE)).toBe(CC + SC1);
    expect(engine.lastCookieValid).toBe(false);
  });

  it('echoes a valid server cookie younger than half an hour and marks the query valid', () => {
    const engine = cookieEngine(SECRET, T1 + 1799);
    const r = reply(engine, query([[COOKIE, CC + SC1]]));
    expect(r.rcode).toBe(0);
    expect(r.options.get(COOKIE)).toBe(CC + SC1);
    expect(engine.lastCookieValid).toBe(true);
  });

  it('re-issues a valid cookie older than half an hour (RFC 9018 A.2)', () => {
    const engine = cookieEngine(SECRET, T1 + 2400);
    const r = reply(engine, query([[COOKIE, CC + SC1]]));
    expect(r.rcode).toBe(0);
    expect(r.options.get(COOKIE)).toBe(CC + SC2);
    expect(engine.lastCookieValid).toBe(true);
  });

  it('answers BADCOOKIE over UDP with a fresh cookie to a forged, expired, future or foreign cookie', () => {
    const forged = SC1.slice(0, -2) + (SC1.endsWith('80') ? '81' : '80');
    const cases: [string, number][] = [
      [forged, T1],
      [SC1, T1 + 3601], // more than an hour old
      [SC1, T1 - 301], // more than five minutes ahead
      ['020000005cf79f111f8130c3eee29480', T1], // unknown version
      [SC1 + '00', T1], // 17 bytes: not ours
    ];
    for (const [sc, now] of cases) {
      const engine = cookieEngine(SECRET, now);
      const r = reply(engine, query([[COOKIE, CC + sc]]));
      expect(r.rcode, sc).toBe(23);
      expect(r.answers).toBe(0);
      const fresh = r.options.get(COOKIE)!;
      expect(fresh.slice(0, 16)).toBe(CC);
      expect(fresh.slice(16, 32)).toBe('01000000' + (now >>> 0).toString(16).padStart(8, '0'));
      expect(engine.lastCookieValid).toBe(false);
      // The fresh cookie is valid on the next query.
      const again = reply(engine, query([[COOKIE, fresh]]));
      expect(again.rcode).toBe(0);
      expect(engine.lastCookieValid).toBe(true);
    }
  });

  it('accepts the edges: an hour old, five minutes ahead', () => {
    for (const now of [T1 + 3600, T1 - 300]) {
      const engine = cookieEngine(SECRET, now);
      expect(reply(engine, query([[COOKIE, CC + SC1]])).rcode).toBe(0);
      expect(engine.lastCookieValid).toBe(true);
    }
  });

  it('depends on the client address: the same cookie from another client is BADCOOKIE', () => {
    const engine = cookieEngine();
    engine.client.setText('198.51.100.101');
    expect(reply(engine, query([[COOKIE, CC + SC1]])).rcode).toBe(23);
    engine.client.setText('2001:db8::1');
    expect(reply(engine, query([[COOKIE, CC + SC1]])).rcode).toBe(23);
  });

  it('over TCP an invalid cookie gets a fresh one and a normal answer', () => {
    const engine = cookieEngine();
    const r = reply(engine, query([[COOKIE, CC + '01000000' + '5cf79f11' + '0000000000000000']]), true);
    expect(r.rcode).toBe(0);
    expect(r.answers).toBe(1);
    expect(r.options.get(COOKIE)).toBe(CC + SC1);
  });

  it('accepts cookies of the previous secret and re-issues them with the current one', () => {
    const current = 'ffeeddccbbaa99887766554433221100';
    const engine = cookieEngine(`${current}\n${SECRET}\n`);
    const r = reply(engine, query([[COOKIE, CC + SC1]]));
    expect(r.rcode).toBe(0);
    expect(engine.lastCookieValid).toBe(true);
    const renewed = r.options.get(COOKIE)!;
    expect(renewed).not.toBe(CC + SC1);
    expect(reply(engine, query([[COOKIE, renewed]])).rcode).toBe(0);
    // A server with only the new secret no longer takes the old cookie.
    expect(reply(cookieEngine(current), query([[COOKIE, CC + SC1]])).rcode).toBe(23);
  });

  it('answers FORMERR to a COOKIE option of a malformed length', () => {
    const engine = cookieEngine();
    for (const bytes of [0, 7, 9, 15, 41]) {
      const r = reply(engine, query([[COOKIE, 'ab'.repeat(bytes)]]));
      expect(r.rcode, `${bytes} bytes`).toBe(1);
      expect(r.options.size).toBe(0);
    }
  });

  it('sends NSID and COOKIE together', () => {
    const engine = cookieEngine(SECRET, T1, 'ns1');
    const r = reply(engine, query([[NSID, ''], [COOKIE, CC]]));
    expect(r.options.get(NSID)).toBe(Buffer.from('ns1').toString('hex'));
    expect(r.options.get(COOKIE)).toBe(CC + SC1);
  });

  it('ignores COOKIE options when cookies are off (no secrets given)', () => {
    const engine = engineFor({ 'example.test.': ZONE });
    const r = reply(engine, query([[COOKIE, CC]]));
    expect(r.rcode).toBe(0);
    expect(r.options.size).toBe(0);
  });

  it('reads secret files: one or two lines of 32 hex digits', () => {
    expect(parseCookieSecrets(`${SECRET}\n`, 'f').previous).toBeNull();
    expect(Buffer.from(parseCookieSecrets(`0x${SECRET}`, 'f').current).toString('hex')).toBe(SECRET);
    expect(() => parseCookieSecrets('', 'f')).toThrow(/one or two lines/);
    expect(() => parseCookieSecrets('abcd\n', 'f')).toThrow(/f:1: .*32 hex digits/);
    expect(() => parseCookieSecrets(`${SECRET}\nzz\n`, 'f')).toThrow(/f:2:/);
    expect(() => parseCookieSecrets(`${SECRET}\n${SECRET}\n${SECRET}\n`, 'f')).toThrow(/one or two lines/);
  });
});
