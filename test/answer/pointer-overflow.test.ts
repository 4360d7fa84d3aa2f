// PointerOverflow.expand: pointers whose relocated target went past 0x3FFF are written out as
// the full name, RDLENGTH follows, every other byte and pointer stays as it was. The message is
// built here by hand (dns-packet writes no compression), with the overflowed pointers wrapped as
// copyBody writes them.
import dnsPacket from 'dns-packet';
import { describe, expect, test } from 'vitest';
import { PointerOverflow } from '../../src/answer/pointer-overflow.ts';
import { pointerProblems } from '../helpers/big-signed-zone.ts';

function wire(name: string): number[] {
  const out: number[] = [];
  for (const l of name.split('.').filter(Boolean)) out.push(l.length, ...Buffer.from(l));
  return out;
}

describe('PointerOverflow', () => {
  test('names behind overflowed pointers are written whole; the rest is untouched', () => {
    const msg: number[] = [0x12, 0x34, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0];
    msg.push(...wire('q.test'), 0, 0, 15, 0, 1);
    const questionEnd = msg.length;
    let an = 0;
    const record = (owner: number[], type: number, rdata: number[]) => {
      msg.push(...owner, 0, type, 0, 1, 0, 0, 0, 60, rdata.length >> 8, rdata.length & 255, ...rdata);
      an++;
    };
    // TXT records to run past 16 KiB, owners pointing at the question (valid).
    while (msg.length < 0x4100) record([0xc0, 12], 16, [200, ...Buffer.alloc(200, 0x61)]);
    // An MX whose exchange is written out at > 0x3FFF, then an A owned by it: its owner pointer
    // "overflowed" (wrapped to 14 bits), the true target noted.
    const exchangeAt = msg.length + 2 + 10 + 2;
    record([0xc0, 12], 15, [0, 10, ...wire('mx.far'), 0xc0, 14]);
    const overflow = new PointerOverflow();
    const ownerAt = msg.length;
    overflow.note(ownerAt, exchangeAt);
    record([0xc0 | ((exchangeAt >> 8) & 0x3f), exchangeAt & 255], 1, [192, 0, 2, 1]);
    // A CNAME whose target points at the same name (overflowed too), in RDATA.
    const cnameRdata = msg.length + 2 + 10;
    overflow.note(cnameRdata, exchangeAt);
    record([0xc0, 12], 5, [0xc0 | ((exchangeAt >> 8) & 0x3f), exchangeAt & 255]);
    msg[6] = an >> 8; msg[7] = an & 255;

    const out = new Uint8Array(65536);
    out.set(msg);
    const end = overflow.expand(out, questionEnd, msg.length, an, 0, 0, 65535);
    expect(overflow.cut).toBe(false);
    expect(overflow.an).toBe(an);
    const raw = Buffer.from(out.subarray(0, end));
    expect(raw.subarray(0, ownerAt).equals(Buffer.from(msg.slice(0, ownerAt)))).toBe(true);
    expect(pointerProblems(raw)).toEqual([]);
    const res = dnsPacket.decode(raw);
    const last = res.answers!.slice(-3);
    expect(last.map((r) => [r.name, r.type])).toEqual([['q.test', 'MX'], ['mx.far.test', 'A'], ['q.test', 'CNAME']]);
    expect((last[2] as { data: string }).data).toBe('mx.far.test');
  });

  test('a rewrite over the limit cuts whole records and says so', () => {
    const msg: number[] = [0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...wire('q.test'), 0, 0, 1, 0, 1];
    const start = msg.length;
    const nameAt = msg.length;
    msg.push(...wire('a'.repeat(60)), 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 1, 2, 3, 4);
    const overflow = new PointerOverflow();
    overflow.note(msg.length, nameAt);
    msg.push(0xc0, nameAt, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 5, 6, 7, 8);
    const out = new Uint8Array(65536);
    out.set(msg);
    const end = overflow.expand(out, start, msg.length, 2, 0, 0, msg.length + 10);
    expect(overflow.cut).toBe(true);
    expect(overflow.an).toBe(1);
    expect(end).toBe(start + 61 + 2 + 14);
  });
});
