// ClientAddress: the text forms Node reports parse into the same bytes node:net would give.

import { describe, expect, it } from 'vitest';
import { ClientAddress } from '../../src/answer/client-address.ts';

function bytesOf(text: string): number[] {
  // Reference parse, allocation-happy: expand `::`, then read groups.
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const parts = (s: string) => (s === '' ? [] : s.split(':'));
  const h = parts(head);
  const t = tail === null ? [] : parts(tail);
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

describe('ClientAddress', () => {
  it('reads IPv4 dotted quads', () => {
    const c = new ClientAddress();
    expect(c.setText('192.0.2.254')).toBe(true);
    expect(c.family).toBe(4);
    expect([...c.bytes.subarray(0, 4)]).toEqual([192, 0, 2, 254]);
    expect(c.toString()).toBe('192.0.2.254');
  });

  it.each(['::1', '2001:db8::53', 'fe80::1:2:3:4', '1:2:3:4:5:6:7:8', '::', '2001:db8:0:0:1::', 'ABCD:ef01::ffff'])('reads IPv6 %s', (text) => {
    const c = new ClientAddress();
    expect(c.setText(text)).toBe(true);
    expect(c.family).toBe(6);
    expect([...c.bytes]).toEqual(bytesOf(text.toLowerCase()));
  });

  it('treats IPv4-mapped IPv6 as the IPv4 client it is, and ignores a zone suffix', () => {
    const c = new ClientAddress();
    expect(c.setText('::ffff:127.0.0.9')).toBe(true);
    expect(c.family).toBe(4);
    expect(c.toString()).toBe('127.0.0.9');
    expect(c.setText('fe80::1%eth0')).toBe(true);
    expect(c.family).toBe(6);
    expect(c.toString()).toBe('fe80::1');
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1..2.3', 'a.b.c.d', '1:2:3:4:5:6:7:8:9', '1::2::3', ':1:2', '12345::', '1:2:3:4:5:6:7::8:9', 'g::1', '1:'])(
    'rejects %j',
    (text) => {
      expect(new ClientAddress().setText(text)).toBe(false);
    },
  );

  it('copies raw bytes', () => {
    const c = new ClientAddress();
    c.setBytes(4, Uint8Array.of(9, 10, 11, 12, 13), 1);
    expect(c.toString()).toBe('10.11.12.13');
  });
});
