// The compiler: image header, name index, and the layout the workers rely on.
import { describe, expect, it } from 'vitest';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { parseName, nameToText } from '../../src/zone/name.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { ZoneImage } from '../../src/image/zone-image.ts';
import { hashName } from '../../src/image/name-hash.ts';
import {
  H_FLAGS, H_LENGTH, H_RECORDS, IMAGE_SIGNED, NODE_APEX, NODE_AUTH, NODE_CUT, NODE_ENT,
  NODE_OCCLUDED, N_NAME, N_NAMELEN, N_WILDCARD,
} from '../../src/image/layout.ts';
import { ImageLimitError } from '../../src/errors.ts';


function build(text: string, origin = 'example.test.') {
  const parsed = parseZoneText(text, 'test.zone', { origin: parseName(origin, null) });
  expect(parsed.errors.map(String)).toEqual([]);
  return compile(parsed.zone);
}

function nodeFlags(img: ZoneImage, name: string): number {
  const wire = parseName(name, null);
  const index = img.findNode(wire, 0, wire.length, hashName(wire, 0, wire.length - 1));
  expect(index, name).toBeGreaterThanOrEqual(0);
  return img.u32[img.node(index) + N_NAMELEN] >>> 16;
}

describe('compileZone', () => {
  const zone = `@ 3600 IN SOA ns hm 7 2 3 4 5
@ NS ns
ns A 192.0.2.1
a.b.ent TXT "x"
sub NS ns.sub
ns.sub A 192.0.2.2
*.wild A 192.0.2.3
`;

  it('fills the header: serial, record count, length, unsigned', () => {
    const c = build(zone);
    expect(c.serial).toBe(7);
    expect(c.records).toBe(7);
    expect(c.origin).toBe('example.test.');
    const h = new Uint32Array(c.image, 0, 16);
    expect(h[H_LENGTH]).toBe(c.image.byteLength);
    expect(h[H_RECORDS]).toBe(7);
    expect(h[H_FLAGS] & IMAGE_SIGNED).toBe(0);
  });

  it('indexes every node, empty non-terminals included, with its flags', () => {
    const img = new ZoneImage(build(zone).image);
    expect(nodeFlags(img, 'example.test.') & (NODE_APEX | NODE_AUTH)).toBe(NODE_APEX | NODE_AUTH);
    expect(nodeFlags(img, 'b.ent.example.test.') & NODE_ENT).toBe(NODE_ENT);
    expect(nodeFlags(img, 'ent.example.test.') & NODE_ENT).toBe(NODE_ENT);
    expect(nodeFlags(img, 'sub.example.test.') & (NODE_CUT | NODE_AUTH)).toBe(NODE_CUT);
    expect(nodeFlags(img, 'ns.sub.example.test.') & (NODE_OCCLUDED | NODE_AUTH)).toBe(NODE_OCCLUDED);
    expect(img.nodeCount).toBe(9);
  });

  it('links a node to its wildcard child', () => {
    const img = new ZoneImage(build(zone).image);
    const wire = parseName('wild.example.test.', null);
    const index = img.findNode(wire, 0, wire.length, hashName(wire, 0, wire.length - 1));
    const child = img.u32[img.node(index) + N_WILDCARD] - 1;
    const nameAt = img.u32[img.node(child) + N_NAME];
    const len = img.u32[img.node(child) + N_NAMELEN] & 0xffff;
    expect(nameToText(img.bytes.slice(nameAt, nameAt + len))).toBe('*.wild.example.test.');
  });

  it('does not find names that are not in the zone', () => {
    const img = new ZoneImage(build(zone).image);
    const wire = parseName('nope.example.test.', null);
    expect(img.findNode(wire, 0, wire.length, hashName(wire, 0, wire.length - 1))).toBe(-1);
  });

  it('rejects an RRset whose response cannot fit 64 KiB with a clear error', () => {
    const lines = ['@ SOA ns hm 1 2 3 4 5', '@ NS ns', 'ns A 192.0.2.1'];
    for (let i = 0; i < 300; i++) lines.push(`big TXT "${String(i).padStart(250, 'x')}"`);
    expect(() => build(lines.join('\n'))).toThrow(ImageLimitError);
    expect(() => build(lines.join('\n'))).toThrow(/big\.example\.test\..*64 KiB/);
  });
});
