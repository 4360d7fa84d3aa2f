// The control API over HTTP: every endpoint, what is served afterwards (asked through the answer
// engine over the published images), the state file, serials that move only on real change,
// 400s that change nothing, zones of other sources read-only, concurrent changes, auth, metrics.

import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiZones } from '../../../src/sources/api/api-zones.ts';
import { Publisher } from '../../../src/primary/publisher.ts';
import { loadZone } from '../../../src/primary/zone-loader.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { DEFAULT_EXPIRY_WARNING_SECONDS } from '../../../src/zone/signatures.ts';
import { memoryLog } from '../../primary/helpers.ts';
import { setupApi, tempDir, type ApiSetup } from './helpers.ts';

const open: ApiSetup[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function api(o: Parameters<typeof setupApi>[0] = {}): Promise<ApiSetup> {
  const s = await setupApi(o);
  open.push(s);
  return s;
}

const ZONE = {
  ttl: 300,
  ns: ['ns1.example.test.', 'ns2.example.net.'],
  soa: { rname: 'hostmaster.example.test.', serial: 100 },
  rrsets: [
    { owner: 'ns1', type: 'A', records: ['192.0.2.53'] },
    { owner: 'www', type: 'A', ttl: 60, records: ['192.0.2.1', '192.0.2.2'] },
  ],
};

async function withZone(o: Parameters<typeof setupApi>[0] = {}): Promise<ApiSetup> {
  const s = await api(o);
  const res = await s.call('PUT', '/zones/example.test', ZONE);
  expect(res.status, JSON.stringify(res.json)).toBe(201);
  return s;
}

const stateFile = (s: ApiSetup) => path.join(s.stateDir!, 'api', 'example.test.zone');

describe('zones', () => {
  it('PUT /zones/NAME creates a zone: served, listed, written to the state directory', async () => {
    const s = await api();
    const res = await s.call('PUT', '/zones/Example.TEST.', ZONE);
    expect(res).toMatchObject({ status: 201, json: { zone: 'example.test.', serial: 100, changed: true } });
    expect(s.servedSerial('example.test.')).toBe(100);
    expect(s.answers('www.example.test.', 'A')).toEqual(['www.example.test A 192.0.2.1', 'www.example.test A 192.0.2.2']);
    expect(s.dns('www.example.test.', 'A').answers[0].ttl).toBe(60);
    const list = await s.call('GET', '/zones/example.test/records');
    expect(list.status).toBe(200);
    expect(list.json).toEqual({
      zone: 'example.test.',
      serial: 100,
      rrsets: [
        { owner: 'example.test.', type: 'SOA', ttl: 300, records: ['ns1.example.test. hostmaster.example.test. 100 3600 600 1209600 300'] },
        { owner: 'example.test.', type: 'NS', ttl: 300, records: ['ns1.example.test.', 'ns2.example.net.'] },
        { owner: 'ns1.example.test.', type: 'A', ttl: 300, records: ['192.0.2.53'] },
        { owner: 'www.example.test.', type: 'A', ttl: 60, records: ['192.0.2.1', '192.0.2.2'] },
      ],
    });
    expect(readFileSync(stateFile(s), 'utf8')).toContain('www.example.test. 60 IN A 192.0.2.1\n');
    // /zones shows it, from its state file.
    expect(s.registry.get('example.test.')).toMatchObject({ serial: 100, file: stateFile(s), lastError: null });
  });

  it('creates with defaults: serial from the clock, SOA timers, mname from the first NS', async () => {
    const s = await api();
    const before = Math.floor(Date.now() / 1000);
    const res = await s.call('PUT', '/zones/defaults.test', { ns: ['ns.example.net.'] });
    expect(res.status).toBe(201);
    expect(res.json.serial).toBeGreaterThanOrEqual(before);
    const soa = (await s.call('GET', '/zones/defaults.test/records/@/SOA')).json;
    expect(soa).toEqual({
      owner: 'defaults.test.',
      type: 'SOA',
      ttl: 3600,
      records: [`ns.example.net. hostmaster.defaults.test. ${res.json.serial} 3600 600 1209600 300`],
    });
  });

  it('refuses to create what exists, what is broken, and bad zones; DELETE removes a zone', async () => {
    const s = await withZone();
    expect((await s.call('PUT', '/zones/example.test', ZONE)).status).toBe(409);
    for (const [body, reason] of [
      [{ ns: [] }, /at least one name server/],
      [{}, /ns .*is required/],
      [{ ns: ['ns1.other.test.'], soa: { serial: -1 } }, /soa.serial/],
      [{ ns: ['ns1'] }, /NS 'ns1.bad.test.' has no address records/],
      [{ ns: ['ns.example.net.'], rrsets: [{ owner: 'www.elsewhere.', type: 'A', records: ['192.0.2.1'] }] }, /outside the zone/],
      [{ ns: ['ns.example.net.'], colour: 'red' }, /unknown key 'colour'/],
    ] as const) {
      const res = await s.call('PUT', '/zones/bad.test', body);
      expect(res.status, JSON.stringify(res.json)).toBe(400);
      expect(res.json.error).toMatch(reason);
    }
    expect(existsSync(path.join(s.stateDir!, 'api', 'bad.test.zone'))).toBe(false);
    expect(s.publisher.get('bad.test.')).toBeUndefined();
    await expect(s.zones.create('.', ZONE)).rejects.toMatchObject({ status: 400, message: /root zone/ });

    const del = await s.call('DELETE', '/zones/example.test');
    expect(del).toMatchObject({ status: 200, json: { zone: 'example.test.', changed: true } });
    expect(s.dns('www.example.test.', 'A').rcode).toBe('REFUSED');
    expect(existsSync(stateFile(s))).toBe(false);
    expect(s.registry.get('example.test.')).toBeUndefined();
    expect((await s.call('GET', '/zones/example.test/records')).status).toBe(404);
    expect((await s.call('DELETE', '/zones/example.test')).status).toBe(404);
  });
});

describe('records', () => {
  it('PUT replaces an RRset: served once answered, serial + 1, file rewritten', async () => {
    const s = await withZone();
    const res = await s.call('PUT', '/zones/example.test/records/www/A', { ttl: 120, records: ['192.0.2.9'] });
    expect(res).toMatchObject({ status: 200, json: { zone: 'example.test.', serial: 101, changed: true } });
    // Answered only once published: the very next query sees it.
    expect(s.answers('www.example.test.', 'A')).toEqual(['www.example.test A 192.0.2.9']);
    expect(s.servedSerial('example.test.')).toBe(101);
    expect(readFileSync(stateFile(s), 'utf8')).toContain('www.example.test. 120 IN A 192.0.2.9\n');
    // A new RRset, owner absolute, every type the zone-file parser knows.
    for (const [owner, type, records] of [
      ['mail.example.test.', 'MX', ['10 mx1', '20 mx2.example.net.']],
      ['txt', 'TXT', ['"v=spf1 -all"', '"two" "strings"']],
      ['_sip._udp', 'SRV', ['0 5 5060 sip.example.net.']],
      ['@', 'CAA', ['0 issue "ca.example.net"']],
      ['svc', 'HTTPS', ['1 . alpn="h2,h3" port=8443']],
      ['v6', 'AAAA', ['2001:db8::1']],
      ['alias', 'CNAME', ['www']],
    ] as const) {
      const r = await s.call('PUT', `/zones/example.test/records/${encodeURIComponent(owner)}/${type}`, { records });
      expect(r.status, `${owner} ${type}: ${JSON.stringify(r.json)}`).toBe(200);
    }
    expect(s.answers('mail.example.test.', 'MX')).toEqual(['mail.example.test MX {"preference":10,"exchange":"mx1.example.test"}', 'mail.example.test MX {"preference":20,"exchange":"mx2.example.net"}']);
    expect(s.answers('alias.example.test.', 'A')).toContain('alias.example.test CNAME www.example.test');
    expect(s.servedSerial('example.test.')).toBe(108);
    const one = await s.call('GET', '/zones/example.test/records/mail/MX');
    expect(one.json).toEqual({ owner: 'mail.example.test.', type: 'MX', ttl: 3600, records: ['10 mx1.example.test.', '20 mx2.example.net.'] });
  });

  it('a PUT of the same content changes nothing: no serial, no write', async () => {
    const s = await withZone();
    const before = readFileSync(stateFile(s), 'utf8');
    const mtime = statSync(stateFile(s)).mtimeMs;
    const generation = s.publisher.current().generation;
    // Same records in another order, a duplicate, the same TTL (given or kept).
    for (const body of [{ ttl: 60, records: ['192.0.2.2', '192.0.2.1'] }, { records: ['192.0.2.1', '192.0.2.2', '192.0.2.1'] }]) {
      const res = await s.call('PUT', '/zones/example.test/records/WWW/a', body);
      expect(res).toMatchObject({ status: 200, json: { serial: 100, changed: false } });
    }
    expect(readFileSync(stateFile(s), 'utf8')).toBe(before);
    expect(statSync(stateFile(s)).mtimeMs).toBe(mtime);
    expect(s.publisher.current().generation).toBe(generation);
    // A TTL alone is a change.
    expect((await s.call('PUT', '/zones/example.test/records/www/A', { ttl: 61, records: ['192.0.2.1', '192.0.2.2'] })).json).toMatchObject({ serial: 101, changed: true });
  });

  it('DELETE removes an RRset; the SOA and a missing RRset cannot be deleted', async () => {
    const s = await withZone();
    expect((await s.call('DELETE', '/zones/example.test/records/www/A')).json).toMatchObject({ serial: 101, changed: true });
    expect(s.dns('www.example.test.', 'A').rcode).toBe('NXDOMAIN');
    expect((await s.call('DELETE', '/zones/example.test/records/www/A')).status).toBe(404);
    expect((await s.call('GET', '/zones/example.test/records/www/A')).status).toBe(404);
    const soa = await s.call('DELETE', '/zones/example.test/records/@/SOA');
    expect(soa.status).toBe(400);
    expect(soa.json.error).toMatch(/SOA record cannot be deleted/);
  });

  it('an SOA PUT keeps the server\'s serial unless it is ahead (RFC 1982)', async () => {
    const s = await withZone();
    const put = (serial: number) =>
      s.call('PUT', '/zones/example.test/records/@/SOA', { ttl: 300, records: [`ns1 hostmaster ${serial} 7200 600 1209600 300`] });
    expect((await put(5)).json).toMatchObject({ serial: 101, changed: true }); // refresh changed; 5 is behind
    expect((await put(5)).json).toMatchObject({ serial: 101, changed: false }); // same fields again
    expect((await put(2024010100)).json).toMatchObject({ serial: 2024010100, changed: true });
    expect(s.servedSerial('example.test.')).toBe(2024010100);
    // Ahead across the wrap (in steps of less than 2^31): … 4294967290, 4294967291, 4.
    expect((await put(4000000000)).json).toMatchObject({ serial: 4000000000 });
    expect((await put(4294967290)).json).toMatchObject({ serial: 4294967290 });
    expect((await put(4294967000)).json).toMatchObject({ serial: 4294967290, changed: false }); // behind
    expect((await s.call('PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.3'] })).json.serial).toBe(4294967291);
    expect((await put(4)).json).toMatchObject({ serial: 4, changed: true });
  });

  it('bad input gets 400 with the reason and changes nothing', async () => {
    const s = await withZone();
    const file = readFileSync(stateFile(s), 'utf8');
    const listing = (await s.call('GET', '/zones/example.test/records')).json;
    const generation = s.publisher.current().generation;
    const cases: [string, string, unknown, RegExp][] = [
      ['PUT', '/zones/example.test/records/www/A', '{"records": [', /bad JSON/],
      ['PUT', '/zones/example.test/records/www/A', '', /JSON body is required/],
      ['PUT', '/zones/example.test/records/www/A', [], /expected a JSON object/],
      ['PUT', '/zones/example.test/records/www/A', { record: ['192.0.2.1'] }, /unknown key 'record'/],
      ['PUT', '/zones/example.test/records/www/A', { records: [] }, /at least one record/],
      ['PUT', '/zones/example.test/records/www/A', { records: [1] }, /records\[0\]: expected a string/],
      ['PUT', '/zones/example.test/records/www/A', { ttl: -1, records: ['192.0.2.1'] }, /ttl/],
      ['PUT', '/zones/example.test/records/www/A', { ttl: '60', records: ['192.0.2.1'] }, /ttl: expected a number/],
      ['PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.1', '192.0.2.300'] }, /records\[1\]: bad A RDATA '192.0.2.300'/],
      ['PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.1\nevil IN A 192.0.2.66'] }, /line breaks/],
      ['PUT', '/zones/example.test/records/www/BOGUS', { records: ['x'] }, /unknown RR type 'BOGUS'/],
      ['PUT', '/zones/example.test/records/www/ANY', { records: ['x'] }, /not a type of zone data/],
      ['PUT', '/zones/example.test/records/www/RRSIG', { records: ['A 8 3 300 20300101000000 20200101000000 1 example.test. AAAA'] }, /not signed/],
      ['PUT', '/zones/example.test/records/www.other.test./A', { records: ['192.0.2.1'] }, /outside the zone example.test./],
      ['PUT', '/zones/example.test/records/a..b/A', { records: ['192.0.2.1'] }, /bad owner/],
      ['PUT', '/zones/example.test/records/www/CNAME', { records: ['elsewhere.example.net.'] }, /CNAME and other data at www.example.test./],
      ['PUT', '/zones/example.test/records/@/CNAME', { records: ['elsewhere.example.net.'] }, /CNAME at the zone apex/],
      ['PUT', '/zones/example.test/records/@/NS', { records: ['ns9'] }, /NS 'ns9.example.test.' has no address records/],
      ['PUT', '/zones/example.test/records/@/SOA', { records: ['ns1 h 1 2 3 4 5', 'ns1 h 1 2 3 4 6'] }, /exactly one record/],
      ['PUT', '/zones/example.test/records/sub/SOA', { records: ['ns1 h 1 2 3 4 5'] }, /not at the zone apex/],
      ['DELETE', '/zones/example.test/records/@/NS', undefined, /no NS records at the zone apex/],
      ['DELETE', '/zones/example.test/records/ns1/A', undefined, /NS 'ns1.example.test.' has no address records/],
      ['PUT', '/zones/exa..mple/records/www/A', { records: ['192.0.2.1'] }, /bad zone name/],
    ];
    for (const [method, url, body, reason] of cases) {
      const res = await s.call(method, url, body);
      expect(res.status, `${method} ${url} ${JSON.stringify(body)}: ${JSON.stringify(res.json)}`).toBe(400);
      expect(res.json.error).toMatch(reason);
    }
    const big = await s.call('PUT', '/zones/example.test/records/www/TXT', { records: Array(6000).fill(`"${'x'.repeat(200)}"`) });
    expect(big.status).toBe(413);
    expect(big.json.error).toMatch(/larger than 1048576 bytes/);

    expect(readFileSync(stateFile(s), 'utf8')).toBe(file);
    expect((await s.call('GET', '/zones/example.test/records')).json).toEqual(listing);
    expect(s.publisher.current().generation).toBe(generation);
    expect(s.servedSerial('example.test.')).toBe(100);
    expect(s.answers('www.example.test.', 'A')).toEqual(['www.example.test A 192.0.2.1', 'www.example.test A 192.0.2.2']);
  });

  it('concurrent changes to one zone are applied one at a time, each with its own serial', async () => {
    const s = await withZone();
    const n = 25;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) => s.call('PUT', `/zones/example.test/records/host${i}/A`, { records: [`198.51.100.${i}`] })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(n).fill(200));
    expect(results.map((r) => r.json.serial).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => 101 + i));
    expect(s.servedSerial('example.test.')).toBe(100 + n);
    for (let i = 0; i < n; i++) expect(s.answers(`host${i}.example.test.`, 'A')).toEqual([`host${i}.example.test A 198.51.100.${i}`]);
    const text = readFileSync(stateFile(s), 'utf8');
    for (let i = 0; i < n; i++) expect(text).toContain(`host${i}.example.test. 3600 IN A 198.51.100.${i}\n`);
    // Same RRset from many clients at once: the last one queued wins, each one a real change.
    const same = await Promise.all(['1', '2', '3'].map((d) => s.call('PUT', '/zones/example.test/records/www/A', { records: [`192.0.2.${d}0`] })));
    expect(same.map((r) => r.json.serial)).toEqual([126, 127, 128]);
    expect(s.answers('www.example.test.', 'A')).toEqual(['www.example.test A 192.0.2.30']);
  });
});

describe('state directory', () => {
  it('a restart serves the API\'s zones from the state directory, unchanged', async () => {
    const s = await withZone();
    await s.call('PUT', '/zones/example.test/records/txt/TXT', { records: ['"hello \\"world\\""', '"é"'] });
    await s.call('PUT', '/zones/example.test/records/loc/LOC', { records: ['52 22 23.000 N 4 53 32.000 E -2.00m 0.00m 10000m 10m'] });
    const listing = (await s.call('GET', '/zones/example.test/records')).json;
    await s.close();
    open.splice(open.indexOf(s), 1);

    const again = await api({ stateDir: s.stateDir });
    expect(again.servedSerial('example.test.')).toBe(102);
    expect((await again.call('GET', '/zones/example.test/records')).json).toEqual(listing);
    expect(again.answers('txt.example.test.', 'TXT')).toHaveLength(2);
    // And it keeps being editable.
    expect((await again.call('PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.77'] })).json).toMatchObject({ serial: 103 });
  });

  it('POST /zones/NAME/reload reads a hand-edited state file; a broken one keeps the version served', async () => {
    const s = await withZone();
    const file = stateFile(s);
    writeFileSync(file, readFileSync(file, 'utf8').replace(' 100 ', ' 150 ').replace('192.0.2.1\n', '192.0.2.111\n'));
    expect((await s.call('POST', '/zones/example.test/reload')).json).toEqual({ zone: 'example.test.', serial: 150, changed: true });
    expect(s.answers('www.example.test.', 'A')).toContain('www.example.test A 192.0.2.111');
    expect((await s.call('POST', '/zones/example.test/reload')).json).toMatchObject({ serial: 150, changed: false });
    writeFileSync(file, readFileSync(file, 'utf8').replace('192.0.2.111', '192.0.2.999'));
    const broken = await s.call('POST', '/zones/example.test/reload');
    expect(broken.status).toBe(422);
    expect(broken.json.error).toMatch(/example\.test\.zone:\d+: A: .*still serving serial 150/);
    expect(s.servedSerial('example.test.')).toBe(150);
    expect((await s.call('POST', '/zones/none.test/reload')).status).toBe(404);
    rmSync(file);
    const gone = await s.call('POST', '/zones/example.test/reload');
    expect(gone.status).toBe(422);
    expect(gone.json.error).toMatch(/is gone \(still serving serial 150\)/);
    expect((await s.call('PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.5'] })).json.serial).toBe(151);
    expect(readFileSync(file, 'utf8')).toContain('192.0.2.5');
  });

  it('without a state directory changes are refused with 503', async () => {
    const s = await api({ stateDir: null });
    const res = await s.call('PUT', '/zones/example.test', ZONE);
    expect(res.status).toBe(503);
    expect(res.json.error).toMatch(/--state-dir/);
    expect(s.publisher.get('example.test.')).toBeUndefined();
  });

  it('a state file that does not load is reported, not served, and can be deleted', async () => {
    const stateDir = tempDir();
    const first = await api({ stateDir });
    await first.call('PUT', '/zones/example.test', ZONE);
    writeFileSync(stateFile(first), 'garbage\n');
    const s = await api({ stateDir });
    expect(s.publisher.get('example.test.')).toBeUndefined();
    expect(s.registry.get('example.test.')?.lastError).toMatch(/example\.test\.zone:1:/);
    const create = await s.call('PUT', '/zones/example.test', ZONE);
    expect(create.status).toBe(409);
    expect(create.json.error).toMatch(/exists but is not served/);
    expect((await s.call('DELETE', '/zones/example.test')).status).toBe(200);
    expect((await s.call('PUT', '/zones/example.test', ZONE)).status).toBe(201);
  });
});

describe('zones of other sources', () => {
  it('are read-only (409 naming their file) and reload through their source', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'files.test.zone');
    writeFileSync(file, '$TTL 300\n@ IN SOA ns1 hm 7 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n');
    const s = await api({ zoneFiles: [file] });
    for (const [method, url, body] of [
      ['GET', '/zones/files.test/records', undefined],
      ['PUT', '/zones/files.test/records/www/A', { records: ['192.0.2.1'] }],
      ['DELETE', '/zones/files.test/records/ns1/A', undefined],
      ['PUT', '/zones/files.test', ZONE],
      ['DELETE', '/zones/files.test', undefined],
    ] as const) {
      const res = await s.call(method, url, body);
      expect(res.status, `${method} ${url}`).toBe(409);
      expect(res.json.error).toContain(file);
    }
    writeFileSync(file, '$TTL 300\n@ IN SOA ns1 hm 8 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.2\n');
    expect((await s.call('POST', '/zones/files.test/reload')).json).toEqual({ zone: 'files.test.', serial: 8, changed: true });
    expect(s.answers('ns1.files.test.', 'A')).toEqual(['ns1.files.test A 192.0.2.2']);
    writeFileSync(file, '@ IN SOA ns1 hm 9 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.256\n');
    const broken = await s.call('POST', '/zones/files.test/reload');
    expect(broken.status).toBe(422);
    expect(broken.json.error).toMatch(/files\.test\.zone:3: .*still serving serial 8/);
  });
});

describe('an origin taken over by another source', () => {
  it('is 409 for the API, whose copy can still be deleted without unpublishing the other', async () => {
    const s = await withZone();
    const dir = tempDir();
    const file = path.join(dir, 'example.test.zone');
    writeFileSync(file, '$TTL 300\n@ IN SOA ns1 hm 7 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 192.0.2.1\n');
    const loaded = loadZone(file);
    if (!loaded.ok) throw new Error('fixture did not load');
    await s.publisher.publish([loaded.zone]); // as a zone file added to a --zone-dir would
    const res = await s.call('PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.9'] });
    expect(res.status).toBe(409);
    expect(res.json.error).toContain(`now served from ${file}`);
    expect((await s.call('DELETE', '/zones/example.test')).status).toBe(200);
    expect(existsSync(stateFile(s))).toBe(false);
    expect(s.servedSerial('example.test.')).toBe(7);
  });
});

describe('HTTP', () => {
  it('needs the bearer token when one is configured; /healthz and /metrics stay open; requests are counted', async () => {
    const s = await api({ token: 's3cret-token' });
    expect((await s.call('PUT', '/zones/example.test', ZONE, { authorization: 'Bearer s3cret-token' })).status).toBe(201);
    const noToken = await s.call('GET', '/zones/example.test/records');
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toBe('Bearer realm="peregrine"');
    const wrong = await s.call('PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.66'] }, { authorization: 'Bearer s3cret-tokeN' });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    expect((await s.call('GET', '/zones/example.test/records', undefined, { authorization: 'Basic czNjcmV0LXRva2Vu' })).status).toBe(401);
    expect(s.answers('www.example.test.', 'A')).not.toContain('www.example.test A 192.0.2.66');
    const right = await s.call('PUT', '/zones/example.test/records/www/A', { records: ['192.0.2.66'] }, { authorization: 'Bearer s3cret-token' });
    expect(right.status).toBe(200);
    expect((await s.call('GET', '/healthz')).status).toBe(200);
    const metrics = await s.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.json).toContain('peregrine_api_requests_total{method="GET",route="/zones/:name/records",code="401"} 2');
    expect(metrics.json).toContain('peregrine_api_requests_total{method="PUT",route="/zones/:name/records/:owner/:type",code="401"} 1');
    expect(metrics.json).toContain('peregrine_api_requests_total{method="PUT",route="/zones/:name/records/:owner/:type",code="200"} 1');
    expect(metrics.json).toContain('peregrine_api_requests_total{method="PUT",route="/zones/:name",code="201"} 1');
    // Changes and attempts are logged (reads are not).
    const audit = s.lines.filter((l) => l.fields.event === 'api_request').map((l) => [l.fields.method, l.fields.url, l.fields.status, l.fields.client]);
    expect(audit).toEqual([
      ['PUT', '/zones/example.test', 201, '127.0.0.1'],
      ['PUT', '/zones/example.test/records/www/A', 401, '127.0.0.1'],
      ['PUT', '/zones/example.test/records/www/A', 200, '127.0.0.1'],
    ]);
  });

  it('the creation was refused without a token too', async () => {
    const s = await api({ token: 'abc' });
    expect((await s.call('PUT', '/zones/example.test', ZONE)).status).toBe(401);
    expect(s.publisher.get('example.test.')).toBeUndefined();
    expect((await s.call('PUT', '/zones/example.test', ZONE, { authorization: 'bearer abc' })).status).toBe(201);
  });

  it('answers 405 with Allow for a known path and another method, 404 for unknown paths; /zones is unchanged', async () => {
    const s = await withZone();
    const res = await s.call('POST', '/zones/example.test/records');
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, HEAD');
    expect((await s.call('PATCH', '/zones/example.test')).headers.get('allow')).toBe('PUT, DELETE');
    expect((await s.call('GET', '/zones/example.test/nothing')).status).toBe(404);
    expect((await s.call('GET', '/zones/example.test/records/%E0%A4%A/A')).status).toBe(400);
    const zones = await s.call('GET', '/zones');
    expect(zones.json.map((z: { name: string }) => z.name)).toEqual(['example.test.']);
    expect((await s.call('PUT', '/zones')).status).toBe(405);
  });
});

describe('ApiZones', () => {
  it('serializes per zone: a change queued behind a failing one still applies', async () => {
    const stateDir = tempDir();
    const publisher = new Publisher();
    const zones = new ApiZones({ stateDir, publisher, registry: new ZoneRegistry(), log: memoryLog().log, expiryWarningSeconds: DEFAULT_EXPIRY_WARNING_SECONDS });
    await zones.start();
    await zones.create('q.test', { ns: ['ns.example.net.'], soa: { serial: 1 } });
    const results = await Promise.allSettled([
      zones.putRRset('q.test', 'a', 'A', { records: ['192.0.2.1'] }),
      zones.putRRset('q.test', 'a', 'CNAME', { records: ['b'] }),
      zones.putRRset('q.test', 'b', 'A', { records: ['192.0.2.2'] }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(publisher.get('q.test.')?.serial).toBe(3);
  });

  it('SIGHUP (reloadAll) reads hand edits of every API zone\'s file', async () => {
    const s = await withZone();
    writeFileSync(stateFile(s), readFileSync(stateFile(s), 'utf8').replace(' 100 ', ' 200 '));
    await s.zones.reloadAll();
    expect(s.servedSerial('example.test.')).toBe(200);
    expect((await s.call('GET', '/zones/example.test/records')).json.serial).toBe(200);
  });
});
