// With handoff on, the engine passes transfers, NOTIFY and TSIG-signed queries to the primary
// (ANSWER_HANDOFF) and answers everything else itself; an expired zone gets SERVFAIL.
import { describe, expect, it } from 'vitest';
import { ANSWER_HANDOFF, AnswerEngine } from '../../src/answer/answer.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { expiredCopy } from '../../src/image/zone-image.ts';
import { buildMessage, flags } from '../../src/transfer/message.ts';
import { makeKey, sign } from '../../src/transfer/tsig.ts';
import { parseName } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { decode, defaultOptions, encodeQuery, engineFor } from '../helpers/engine.ts';

const ZONE = '$TTL 300\n@ SOA ns1 h 1 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n';

function message(type: number, opcode = 0): Uint8Array {
  return buildMessage({ id: 9, flags: flags({ opcode }), question: { name: parseName('example.test.', null), type, class: 1 } });
}

describe('handoff', () => {
  const engine = engineFor({ 'example.test.': ZONE }, { ...defaultOptions, handoff: true });
  const out = new Uint8Array(65537);
  const answer = (q: Uint8Array, tcp: boolean) => engine.answer(q, q.length, out, tcp);

  it('hands off AXFR over TCP, IXFR over both, NOTIFY and TSIG-signed queries', () => {
    expect(answer(message(252), true)).toBe(ANSWER_HANDOFF);
    expect(answer(message(251), true)).toBe(ANSWER_HANDOFF);
    expect(answer(message(251), false)).toBe(ANSWER_HANDOFF);
    expect(answer(message(6, 4), false)).toBe(ANSWER_HANDOFF);
    const signed = sign(makeKey('k', 'hmac-sha256', 'c2VjcmV0'), message(1)).message;
    expect(answer(signed, false)).toBe(ANSWER_HANDOFF);
  });

  it('answers the rest itself: AXFR over UDP NOTIMP, UPDATE NOTAUTH, ordinary queries', () => {
    expect(decode(Buffer.from(out.subarray(0, answer(message(252), false)))).rcode).toBe('NOTIMP');
    expect(decode(Buffer.from(out.subarray(0, answer(message(6, 5), false)))).rcode).toBe('NOTAUTH');
    const q = encodeQuery('ns1.example.test.', 'A');
    const len = answer(q, false);
    expect(len).toBeGreaterThan(0);
    expect(decode(Buffer.from(out.subarray(0, len))).answers).toHaveLength(1);
  });

  it('without handoff, keeps answering as Knot does unconfigured', () => {
    const plain = engineFor({ 'example.test.': ZONE });
    const q = message(252);
    expect(decode(Buffer.from(out.subarray(0, plain.answer(q, q.length, out, true)))).rcode).toBe('NOTAUTH');
  });
});

describe('expired zones', () => {
  it('answers SERVFAIL for every name of a zone whose image is flagged expired', () => {
    const parsed = parseZoneText(ZONE, 'zone', { origin: parseName('example.test.', null) });
    const image = compile(parsed.zone).image;
    const engine = new AnswerEngine(defaultOptions);
    engine.setZones([expiredCopy(image)]);
    const out = new Uint8Array(65537);
    for (const name of ['example.test.', 'ns1.example.test.', 'nothing.example.test.']) {
      const q = encodeQuery(name, 'A');
      expect(decode(Buffer.from(out.subarray(0, engine.answer(q, q.length, out, false)))).rcode).toBe('SERVFAIL');
    }
    engine.setZones([image]);
    const q = encodeQuery('ns1.example.test.', 'A');
    expect(decode(Buffer.from(out.subarray(0, engine.answer(q, q.length, out, false)))).rcode).toBe('NOERROR');
  });
});
