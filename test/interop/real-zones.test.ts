// Real zone files: the examples, the root zones, and the all-types fixture, plus timing.

import { beforeAll, describe, it, expect } from 'vitest';
import * as path from 'node:path';
import { existsSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { parseZoneFile, parseZoneText } from '../../src/zone/parse-zone.ts';
import { checkZone } from '../../src/zone/check-zone.ts';
import { nameToText } from '../../src/zone/name.ts';
import { TYPE_DS, TYPE_NS, TYPE_NSEC, TYPE_RRSIG, TYPE_SOA, TYPE_ZONEMD, typeToText } from '../../src/zone/types.ts';
import { fixtures, n, repoRoot } from '../zone/helpers.ts';
import { requireSharedZones, sharedZones } from './helpers/shared-zones.ts';

const examples = path.join(repoRoot, 'examples');

beforeAll(requireSharedZones);

describe('examples/', () => {
  it('shop.example.zone (no $ORIGIN) parses and checks clean with origin shop.example.', () => {
    const r = parseZoneFile(path.join(examples, 'shop.example.zone'), { origin: n('shop.example.') });
    expect(r.errors).toEqual([]);
    expect(checkZone(r.zone)).toEqual([]);
    expect(r.zone.records).toHaveLength(10);
    const ns = r.zone.records.filter((x) => x.type === TYPE_NS).map((x) => nameToText(x.rdata));
    expect(ns).toEqual(['dns1.shop.example.', 'dns2.shop.example.']);
    expect(r.zone.records[0].ttl).toBe(86400);
  });

  it('localhost.zone parses and checks clean', () => {
    const r = parseZoneFile(path.join(examples, 'localhost.zone'));
    expect(r.errors).toEqual([]);
    expect(checkZone(r.zone)).toEqual([]);
    expect(nameToText(r.zone.origin)).toBe('localhost.');
    expect(r.zone.records[0].type).toBe(TYPE_SOA);
  });

  it('0.0.127.in-addr.arpa.zone parses and checks clean', () => {
    const r = parseZoneFile(path.join(examples, '0.0.127.in-addr.arpa.zone'), { origin: n('0.0.127.in-addr.arpa.') });
    expect(r.errors).toEqual([]);
    expect(checkZone(r.zone)).toEqual([]);
    expect(r.zone.records[0].type).toBe(TYPE_SOA);
  });
});

describe('root zones', () => {
  it('root-2026082201.zone: 0 errors, under a second, ZONEMD and apex RRSIGs', () => {
    const file = path.join(sharedZones, 'root-2026082201.zone');
    const t0 = performance.now();
    const r = parseZoneFile(file);
    const ms = performance.now() - t0;
    expect(r.errors).toEqual([]);
    expect(checkZone(r.zone)).toEqual([]);
    expect(r.zone.origin).toEqual(n('.'));
    expect(r.zone.records).toHaveLength(22094);
    expect(r.zone.records.filter((x) => x.type === TYPE_ZONEMD)).toHaveLength(1);
    expect(r.zone.records.filter((x) => x.type === TYPE_DS)).toHaveLength(1480);
    expect(ms).toBeLessThan(1000);
  });

  it('root-2017082100-signed.zone: 0 errors with every RRSIG and NSEC', () => {
    const r = parseZoneFile(path.join(sharedZones, 'root-2017082100-signed.zone'));
    expect(r.errors).toEqual([]);
    expect(checkZone(r.zone)).toEqual([]);
    expect(r.zone.records).toHaveLength(22772);
    expect(r.zone.records.filter((x) => x.type === TYPE_RRSIG)).toHaveLength(2950);
    expect(r.zone.records.filter((x) => x.type === TYPE_NSEC)).toHaveLength(1548);
  });
});

describe('fixtures/alltypes.zone', () => {
  it('parses and checks clean', () => {
    const r = parseZoneFile(path.join(fixtures, 'alltypes.zone'));
    expect(r.errors).toEqual([]);
    expect(checkZone(r.zone)).toEqual([]);
    expect(new Set(r.zone.records.map((x) => typeToText(x.type))).size).toBeGreaterThan(45);
  });
});

describe('speed', () => {
  it('parses and checks a generated 200k-record zone in a few seconds', () => {
    const lines = ['$ORIGIN big.example.', '$TTL 3600', '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300', '  IN NS ns1', 'ns1 IN A 192.0.2.1'];
    for (let i = 0; i < 200_000; i++) {
      const k = i % 4;
      if (k === 0) lines.push(`host${i} IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
      else if (k === 1) lines.push(`host${i} 300 IN AAAA 2001:db8::${(i & 0xffff).toString(16)}`);
      else if (k === 2) lines.push(`host${i} IN MX 10 mail${i}.example.net.`);
      else lines.push(`host${i} IN TXT "v=spf1 include:_spf${i}.example.net -all"`);
    }
    const text = lines.join('\n');
    const t0 = performance.now();
    const r = parseZoneText(text, 'big.zone');
    const c = checkZone(r.zone);
    const ms = performance.now() - t0;
    expect(r.errors).toEqual([]);
    expect(c).toEqual([]);
    expect(r.zone.records).toHaveLength(200_003);
    expect(ms).toBeLessThan(4000);
  });
});

// Cross-check against BIND when it is installed: write our wire data back as RFC 3597 generic
// records and let named-compilezone canonicalise both files; the outputs must be identical.
const NAMED = '/usr/bin/named-compilezone';
describe.skipIf(!existsSync(NAMED))('agreement with named-compilezone', () => {
  const canon = (origin: string, file: string): string =>
    execFileSync(NAMED, ['-q', '-k', 'ignore', '-i', 'none', '-s', 'full', '-f', 'text', '-F', 'text', '-o', '-', origin, file], { maxBuffer: 1 << 30 })
      .toString().split('\n').sort().join('\n');

  const compare = (file: string, origin: string): void => {
    const r = parseZoneFile(file);
    expect(r.errors).toEqual([]);
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-bind-'));
    try {
      const generic = path.join(dir, 'generic.zone');
      writeFileSync(generic, r.zone.records.map((x) =>
        `${nameToText(x.owner)} ${x.ttl} CLASS${x.class} TYPE${x.type} \\# ${x.rdata.length} ${Buffer.from(x.rdata).toString('hex')}`).join('\n') + '\n', 'latin1');
      expect(canon(origin, generic)).toBe(canon(origin, file));
    } finally {
      rmSync(dir, { recursive: true });
    }
  };

  it('all types fixture', () => compare(path.join(fixtures, 'alltypes.zone'), 'example.com'));
  it('signed root zone', () => compare(path.join(sharedZones, 'root-2017082100-signed.zone'), '.'));
});
