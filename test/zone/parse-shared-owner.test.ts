// The parser gives lines that name the same owner the same way one owner array (a large zone's
// memory), and never shares one where the name differs.
import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { nameToText } from '../../src/zone/name.ts';

const zone = [
  '$ORIGIN example.',
  '$TTL 300',
  '@ SOA ns hm 1 2 3 4 5',
  '@ NS ns',
  'h1 A 192.0.2.1',
  'h1 AAAA 2001:db8::1',
  'h2 A 192.0.2.2',
  '$ORIGIN sub.example.',
  'h1 A 192.0.2.3',
  'h1 TXT "x"',
  '',
].join('\n');

describe('owner arrays of the parsed records', () => {
  const { zone: z, errors } = parseZoneText(zone, 'example.zone');
  const owners = z.records.map((r) => nameToText(r.owner));

  it('parses every record under the right owner', () => {
    expect(errors).toEqual([]);
    expect(owners).toEqual([
      'example.', 'example.', 'h1.example.', 'h1.example.', 'h2.example.', 'h1.sub.example.', 'h1.sub.example.',
    ]);
  });

  it('shares one array between lines that name the same owner the same way', () => {
    expect(z.records[2].owner).toBe(z.records[3].owner);
    expect(z.records[5].owner).toBe(z.records[6].owner);
  });

  it('does not share across a different name or a different $ORIGIN', () => {
    expect(z.records[3].owner).not.toBe(z.records[4].owner);
    expect(z.records[3].owner).not.toBe(z.records[5].owner);
  });
});
