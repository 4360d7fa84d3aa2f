// The root zones of ../shared/zones (never copied into the repository): signature expiry, the
// bounded output of `check`, and the compiler's delegations on the real thing. Interop, not unit:
// a clone on its own has no ../shared; the suite says so plainly instead of skipping.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { NODE_CUT, N_NAMELEN } from '../../src/image/layout.ts';
import { hashName } from '../../src/image/name-hash.ts';
import { ZoneImage } from '../../src/image/zone-image.ts';
import { nameToText, parseName } from '../../src/zone/name.ts';
import { parseZoneFile } from '../../src/zone/parse-zone.ts';
import { signatureStatus } from '../../src/zone/signatures.ts';
import { TYPE_DNSKEY, TYPE_DS, TYPE_SOA } from '../../src/zone/types.ts';
import { n } from '../zone/helpers.ts';
import { requireSharedZones, sharedZones } from './helpers/shared-zones.ts';

const ROOT_ZONES = sharedZones;
const NOW = new Date('2026-11-23T12:00:00Z');
const DAY = 86400;

beforeAll(requireSharedZones);

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

function nodeFlags(img: ZoneImage, name: string): number {
  const wire = parseName(name, null);
  const index = img.findNode(wire, 0, wire.length, hashName(wire, 0, wire.length - 1));
  expect(index, name).toBeGreaterThanOrEqual(0);
  return img.u32[img.node(index) + N_NAMELEN] >>> 16;
}

describe('signatureStatus on a real zone', () => {
  it('the signed root zone of 2017: NSEC, every signature expired by now, none at the time', () => {
    const r = parseZoneFile(path.join(sharedZones, 'root-2017082100-signed.zone'), { origin: n('.') });
    expect(r.errors).toEqual([]);
    const now = signatureStatus(r.zone, NOW, 7 * DAY);
    expect(now.signed).toBe(true);
    expect(now.denial).toBe('nsec');
    expect(now.earliestExpiration?.toISOString()).toBe('2017-09-03T05:00:00.000Z');
    expect(now.expiring).toEqual([]);
    expect(now.expired.length).toBeGreaterThan(2900);
    expect(now.expired[0]).toMatchObject({ owner: '.', covered: TYPE_SOA, source: { line: 2 } });
    expect(now.expired.some((i) => i.owner === 'aaa.' && i.covered === TYPE_DS)).toBe(true);
    const then = signatureStatus(r.zone, new Date('2017-08-25T00:00:00Z'), 7 * DAY);
    expect(then.expired).toEqual([]);
    expect(then.expiring).toEqual([]);
    const later = signatureStatus(r.zone, new Date('2017-08-30T00:00:00Z'), 7 * DAY);
    expect(later.expired).toEqual([]);
    // Everything expires on 2017-09-03 but the DNSKEY RRset's signature (2017-09-10).
    expect(later.expiring.length).toBe(now.expired.length - 1);
    expect(later.expiring.some((i) => i.covered === TYPE_DNSKEY)).toBe(false);
    expect(now.expired.at(-1)).toMatchObject({ owner: '.', covered: TYPE_DNSKEY });
  });
});

describe('peregrine check on a real zone', () => {
  it('keeps the output bounded on the signed root zone of 2017 (thousands of expired RRsets)', async () => {
    const file = '../shared/zones/root-2017082100-signed.zone';
    const r = await run('check', file, '--origin', '.');
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(22);
    expect(lines[0]).toBe(`${file}:2: warning: RRSIG for . SOA expired at 2017-09-03T05:00:00Z`);
    expect(lines.slice(0, 20).every((l) => /^\.\.\/shared\/zones\/root-2017082100-signed\.zone:\d+: warning: RRSIG for \S+ \S+ expired at 2017-09-/.test(l))).toBe(true);
    const more = lines[20].match(/^\.\.\/shared\/zones\/root-2017082100-signed\.zone: warning: (\d+) more RRSIG sets expired or expiring \((\d+) expired, 0 expiring\)$/);
    expect(more).not.toBeNull();
    expect(Number(more![1])).toBeGreaterThan(2900);
    expect(more![2]).toBe(more![1]);
    expect(lines[21]).toBe(`${file}: OK, ., 22772 records, signed (NSEC), earliest signature expiry 2017-09-03T05:00:00Z`);
  });
});

describe('compile on a real zone', () => {
  it('compiles the real root zone and finds every delegation', () => {
    const parsed = parseZoneFile(path.join(ROOT_ZONES, 'root-2026082201.zone'));
    expect(parsed.errors).toEqual([]);
    const c = compile(parsed.zone);
    expect(c.serial).toBe(2026082201);
    const img = new ZoneImage(c.image);
    const delegated = new Set<string>();
    for (const rr of parsed.zone.records) {
      if (rr.type === 2 && rr.owner.length > 1) delegated.add(nameToText(rr.owner));
    }
    expect(delegated.size).toBeGreaterThan(1400);
    for (const name of delegated) expect(nodeFlags(img, name) & NODE_CUT, name).toBe(NODE_CUT);
  });
});
