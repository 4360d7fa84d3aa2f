// The console's HTTP side on a running server: the page and its assets (no token, strict CSP),
// its reads behind the API token, and their 400/404 answers.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServing, stopServers } from '../serve-harness.ts';

const TOKEN = 'route-test-token';
let httpPort: number;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgn-console-routes-'));
  writeFileSync(path.join(dir, 'token'), TOKEN);
  writeFileSync(path.join(dir, 'r.test.zone'), '$ORIGIN r.test.\n$TTL 60\n@ SOA ns hm 5 1 1 1 1\n@ NS ns\nns A 192.0.2.1\nwww TXT "hello"\n');
  ({ httpPort } = await startServing(['--zone', path.join(dir, 'r.test.zone'), '--workers', '1', '--api-token-file', path.join(dir, 'token')]));
});
afterAll(stopServers);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

function get(url: string, token: string | null = TOKEN): Promise<Response> {
  return fetch(`http://127.0.0.1:${httpPort}${url}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
}

describe('console routes', () => {
  it('serves the page and its assets without a token, with a strict content security policy', async () => {
    const page = await get('/', null);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<script type="module" src="/console/app.js">');
    const js = await get('/console/app.js', null);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('sessionStorage');
    expect((await get('/console/nothing.js', null)).status).toBe(404);
  });

  it('answers its reads only with the token', async () => {
    for (const url of ['/console/session', '/console/zones/r.test/records', '/console/ask?name=r.test&type=SOA', '/console/services']) {
      expect((await get(url, null)).status, url).toBe(401);
      expect((await get(url, 'wrong')).status, url).toBe(401);
      expect((await get(url)).status, url).toBe(200);
    }
    expect(await (await get('/console/session')).json()).toEqual({ tokenRequired: true });
  });

  it('pages records of a zone from a file, read-only', async () => {
    const page = (await (await get('/console/zones/R.TEST./records?limit=2')).json()) as Json;
    expect(page).toMatchObject({ zone: 'r.test.', serial: 5, names: 3, offset: 0, limit: 2, editable: false });
    expect(page.rrsets.map((r: { owner: string; type: string }) => `${r.owner} ${r.type}`)).toEqual(['r.test. SOA', 'r.test. NS', 'ns.r.test. A']);
    const www = (await (await get('/console/zones/r.test/records?q=www')).json()) as Json;
    expect(www.rrsets).toEqual([{ owner: 'www.r.test.', type: 'TXT', ttl: 60, records: ['"hello"'] }]);
  });

  it('says what is wrong with a request', async () => {
    const cases: [string, number, RegExp][] = [
      ['/console/zones/other.test/records', 404, /not served/],
      ['/console/zones/r.test/records?limit=0', 400, /limit must be a whole number from 1 to 500/],
      ['/console/zones/r.test/records?offset=-1', 400, /offset/],
      ['/console/ask?type=A', 400, /name is required/],
      ['/console/ask?name=r.test&type=NOPE', 400, /unknown type 'NOPE'/],
      ['/console/ask?name=a..b', 400, /bad name/],
    ];
    for (const [url, status, reason] of cases) {
      const res = await get(url);
      expect(res.status, url).toBe(status);
      expect(((await res.json()) as Json).error, url).toMatch(reason);
    }
  });

  it('asks the zones served, as dig prints it', async () => {
    const r = (await (await get('/console/ask?name=www.r.test&type=txt&do=1')).json()) as Json;
    expect(r.rcode).toBe('NOERROR');
    expect(r.text).toContain('www.r.test.\t60\tIN\tTXT\t"hello"');
    expect(r.text).toContain('flags: do;');
  });
});
