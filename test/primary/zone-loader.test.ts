// Zone file to servable zone: the origin rules, the serial, and errors that keep a zone out.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ZoneDataError } from '../../src/errors.ts';
import { guessOrigin, loadZone } from '../../src/primary/zone-loader.ts';
import { originFromFileName, readZone } from '../../src/primary/zone-reader.ts';
import { signedZoneText } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-loader-'));
function zoneFile(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const RELATIVE_BODY = `$TTL 300
@ IN SOA ns1 hostmaster 7 3600 600 86400 300
  IN NS ns1
ns1 IN A 192.0.2.1
www IN A 192.0.2.2
`;

describe('readZone / loadZone', () => {
  it('takes the origin from $ORIGIN', () => {
    const r = loadZone('examples/localhost.zone');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.zone.origin).toBe('localhost.');
    expect(r.zone.serial).toBe(42);
    expect(r.zone.records).toBe(3);
    expect(r.zone.image.byteLength).toBeGreaterThan(0);
  });

  it('takes the origin from the file name when there is no $ORIGIN', () => {
    const r = loadZone('examples/0.0.127.in-addr.arpa.zone');
    expect(r.ok && r.zone.origin).toBe('0.0.127.in-addr.arpa.');
    expect(r.ok && r.zone.serial).toBe(1997022700);
  });

  it('prefers $ORIGIN over the file name', () => {
    const file = zoneFile('misnamed.zone', `$ORIGIN real.example.\n${RELATIVE_BODY}`);
    const r = readZone(file);
    expect(r.ok && r.origin).toBe('real.example.');
  });

  it('uses an origin the operator gives, with or without the trailing dot', () => {
    const file = zoneFile('whatever.zone', RELATIVE_BODY);
    for (const origin of ['given.example', 'given.example.', 'Given.Example']) {
      const r = readZone(file, origin);
      expect(r.ok && r.origin).toBe('given.example.');
    }
  });

  it('reports a parse error as FILE:LINE and loads nothing', () => {
    const file = zoneFile('bad.example.zone', `${RELATIVE_BODY}bad IN A 192.0.2.300\n`);
    const r = loadZone(file);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toBeInstanceOf(ZoneDataError);
    expect(String(r.errors[0])).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6: `));
  });

  it('reports zone check problems (here: no SOA)', () => {
    const file = zoneFile('nosoa.example.zone', '$TTL 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n');
    const r = readZone(file);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors.length).toBeGreaterThan(0);
  });

  it('reports an unreadable file with line 0', () => {
    const r = readZone(path.join(dir, 'missing.zone'));
    expect(r.ok).toBe(false);
    expect(!r.ok && String(r.errors[0])).toMatch(/missing\.zone:0: cannot read zone file/);
  });

  it('derives origins from file names', () => {
    expect(originFromFileName('/etc/zones/example.com.zone')).toBe('example.com');
    expect(originFromFileName('example.com')).toBe('example.com');
  });

  it('names a zone that failed: the origin given, else an absolute $ORIGIN, else the file name', () => {
    const bad = `${RELATIVE_BODY}bad IN A 192.0.2.300\n`;
    const plain = zoneFile('Plain.Example.zone', bad);
    const withOrigin = zoneFile('misnamed2.zone', `$ORIGIN Real.Example.\n${bad}`);
    const r = loadZone(plain, 'Given.Example');
    expect(!r.ok && r.origin).toBe('given.example.');
    expect(guessOrigin(plain, null)).toBe('plain.example.');
    expect(guessOrigin(withOrigin, null)).toBe('real.example.');
    expect(guessOrigin(withOrigin, 'op.example')).toBe('op.example.');
    expect(guessOrigin(path.join(dir, 'missing.example.zone'), null)).toBe('missing.example.');
    const loaded = loadZone(withOrigin);
    expect(!loaded.ok && loaded.origin).toBe('real.example.');
  });

  it('builds the transfer form unless told it is not needed', () => {
    const file = zoneFile('form.test.zone', RELATIVE_BODY);
    const withForm = loadZone(file);
    const without = loadZone(file, null, { transferForm: false });
    expect(withForm.ok && withForm.zone.transfer?.byteLength).toBeGreaterThan(0);
    expect(without.ok && without.zone.transfer).toBeUndefined();
    // The image served is the same either way.
    expect(without.ok && withForm.ok && Buffer.from(without.zone.image).equals(Buffer.from(withForm.zone.image))).toBe(true);
  });

  it('reports no signatures for an unsigned zone', () => {
    const r = loadZone('examples/localhost.zone');
    expect(r.ok && r.zone.signatures).toEqual({ signed: false, denial: 'none', earliestExpiration: null, expired: 0, expiring: 0 });
  });

  it('summarizes the signatures of a signed zone against the time and window given', () => {
    const file = zoneFile('signed.example.zone', signedZoneText(9, {
      soa: new Date('2030-01-20T00:00:00Z'),
      ns: new Date('2030-01-05T00:00:00Z'),
      a: new Date('2029-12-31T00:00:00Z'),
    }));
    const now = new Date('2030-01-01T00:00:00Z');
    const r = loadZone(file, null, { now, expiryWarningSeconds: 7 * 86400 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.zone).toMatchObject({ origin: 'signed.example.', serial: 9, records: 8, loadedAt: now });
    expect(r.zone.signatures).toEqual({
      signed: true,
      denial: 'nsec',
      earliestExpiration: new Date('2029-12-31T00:00:00Z'),
      expired: 1,
      expiring: 1,
    });
    const wide = loadZone(file, null, { now, expiryWarningSeconds: 30 * 86400 });
    expect(wide.ok && wide.zone.signatures).toMatchObject({ expired: 1, expiring: 2 });
  });
});
