// ZONEMD (RFC 8976) verification on a zone signed once by ldns-signzone -z 1:1 -z 1:2 (SHA-384
// and SHA-512, accepted by ldns-verify-zone): it verifies, and any change to its contents, to
// the ZONEMD serial or to the digest makes it fail.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readZone } from '../../src/primary/zone-reader.ts';
import { verifyZonemd, zonemdError } from '../../src/zone/zonemd.ts';
import { loadZone } from '../../src/primary/zone-loader.ts';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures', 'zonemd');
const SIGNED = path.join(FIXTURES, 'zonemd.test.signed.zone');
const text = readFileSync(SIGNED, 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-zonemd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zoneOf(content: string) {
  const file = path.join(dir, 'zonemd.test.zone');
  writeFileSync(file, content);
  const read = readZone(file, 'zonemd.test.');
  if (!read.ok) throw new Error(read.errors.map(String).join('\n'));
  return read.zone;
}

/** The fixture with only the ZONEMD of one algorithm (1: SHA-384, 2: SHA-512). */
function only(algorithm: number): string {
  return text.split('\n').filter((l) => !/\tZONEMD\t\d+ 1 (\d)/.test(l) || new RegExp(`\\tZONEMD\\t\\d+ 1 ${algorithm} `).test(l)).join('\n');
}

describe('ZONEMD verification', () => {
  it('verifies the ldns-signed zone with SHA-384 and with SHA-512', () => {
    expect(verifyZonemd(zoneOf(only(1)))).toEqual({ status: 'verified', algorithm: 'SHA-384' });
    expect(verifyZonemd(zoneOf(only(2)))).toEqual({ status: 'verified', algorithm: 'SHA-512' });
    expect(zonemdError(zoneOf(text))).toBeNull();
  });

  it('fails when one record is changed, added or removed', () => {
    const changed = [
      text.replace('192.0.2.80', '192.0.2.88'),
      text.replace('"Mixed Case Owner"', '"Mixed case owner"'),
      `${text}\nextra.zonemd.test. 3600 IN A 192.0.2.200\n`,
      text.split('\n').filter((l) => !/^mail\.zonemd\.test\.\t3600\tIN\tAAAA/.test(l)).join('\n'),
      text.replace(/^(ns1\.zonemd\.test\.\t)3600/m, '$13601'), // a TTL
    ];
    for (const t of changed) {
      expect(t).not.toBe(text);
      for (const algorithm of [1, 2]) {
        const zone = zoneOf(algorithm === 1 ? t.split('\n').filter((l) => !/\tZONEMD\t\d+ 1 2 /.test(l)).join('\n') : t.split('\n').filter((l) => !/\tZONEMD\t\d+ 1 1 /.test(l)).join('\n'));
        const r = verifyZonemd(zone);
        expect(r.status).toBe('mismatch');
      }
      const err = zonemdError(zoneOf(t), 'f.zone');
      expect(err?.code).toBe('PGN_ERR_ZONEMD');
      expect(err?.message).toMatch(/zonemd\.test\.: ZONEMD verification failed: SHA-384 digest does not match/);
    }
  });

  it('ignores the case of owners and of names in RDATA (canonical form)', () => {
    const upper = text.replace(/^www\.zonemd\.test\./gm, 'WwW.ZoneMD.test.').replace('ns1.zonemd.test.\n', 'NS1.ZONEMD.TEST.\n');
    expect(verifyZonemd(zoneOf(upper)).status).toBe('verified');
  });

  it('fails on a ZONEMD serial other than the SOA serial, and on an unsupported algorithm', () => {
    const serial = text.replace(/\tZONEMD\t2024010101 /g, '\tZONEMD\t2024010102 ');
    expect(verifyZonemd(zoneOf(serial))).toMatchObject({ status: 'mismatch', reason: expect.stringMatching(/serial 2024010102 is not the SOA serial 2024010101/) });
    const unsupported = only(1).replace(/\tZONEMD\t(\d+) 1 1 /, '\tZONEMD\t$1 1 240 ');
    expect(verifyZonemd(zoneOf(unsupported))).toMatchObject({ status: 'mismatch', reason: expect.stringMatching(/unsupported/) });
  });

  it('says absent for a zone without ZONEMD', () => {
    expect(verifyZonemd(zoneOf(readFileSync(path.join(FIXTURES, 'zonemd.test.zone'), 'utf8'))).status).toBe('absent');
  });

  it('refuses a mismatching version at load with --zonemd-verify, serves it without', () => {
    const file = path.join(dir, 'load.zone');
    writeFileSync(file, text.replace('192.0.2.80', '192.0.2.88'));
    const refused = loadZone(file, 'zonemd.test.', { zonemdVerify: true });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors[0].code).toBe('PGN_ERR_ZONEMD');
    expect(loadZone(file, 'zonemd.test.').ok).toBe(true);
    writeFileSync(file, text);
    expect(loadZone(file, 'zonemd.test.', { zonemdVerify: true }).ok).toBe(true);
  });
});
