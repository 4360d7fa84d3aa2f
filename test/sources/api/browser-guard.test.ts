// The control API against browsers (issue #17): the requests a browser really sends for a
// cross-site form post, a `text/plain` fetch (no preflight), and a page under DNS rebinding
// (Host: the attacker's name) are refused with a JSON reason and change nothing; curl-style
// requests and a same-origin page (the future web console) still work.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { setupApi, type ApiSetup } from './helpers.ts';

const open: ApiSetup[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

const ZONE = JSON.stringify({ ns: ['ns1.example.test.'], rrsets: [{ owner: 'ns1', type: 'A', records: ['192.0.2.53'] }] });

function raw(port: number, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        let json: unknown = text;
        try { json = JSON.parse(text); } catch { /* plain text */ }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.once('error', reject);
    req.end(body);
  });
}

async function api(): Promise<ApiSetup> {
  const s = await setupApi({});
  open.push(s);
  return s;
}

describe('control API: requests browsers send', () => {
  it('a text/plain PUT from another site (no preflight), with its Host and Origin: 403, no zone', async () => {
    const s = await api();
    const port = s.endpoint.port;
    const res = await raw(port, 'PUT', '/zones/evil.test', {
      host: 'evil.example', origin: 'http://evil.example', 'content-type': 'text/plain;charset=UTF-8',
    }, ZONE);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatch(/Host/);
    expect(s.servedSerial('evil.test.')).toBeNull();
  });

  it('DNS rebinding: Host is the attacker\'s name, same-origin to the page (no Origin on GET): 403', async () => {
    const s = await api();
    const res = await raw(s.endpoint.port, 'GET', '/zones/example.test/records', { host: `rebind.evil.example:${s.endpoint.port}` });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatch(/rebinding/);
  });

  it('a cross-site text/plain fetch to the right Host (127.0.0.1): 403 for the Origin', async () => {
    const s = await api();
    const port = s.endpoint.port;
    const res = await raw(port, 'PUT', '/zones/evil.test', {
      host: `127.0.0.1:${port}`, origin: 'https://evil.example', 'content-type': 'text/plain;charset=UTF-8',
      'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors',
    }, ZONE);
    expect(res.status).toBe(403);
    expect(res.json.error).toMatch(/cross-origin/);
    expect(s.servedSerial('evil.test.')).toBeNull();
  });

  it('a form post (urlencoded) and a POST with Origin "null": refused', async () => {
    const s = await api();
    const port = s.endpoint.port;
    const form = await raw(port, 'POST', '/zones/example.test/reload', {
      host: `localhost:${port}`, origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded',
    }, 'a=1');
    expect(form.status).toBe(403);
    const sandboxed = await raw(port, 'POST', '/zones/example.test/reload', { host: `localhost:${port}`, origin: 'null' });
    expect(sandboxed.status).toBe(403);
  });

  it('a write that is not JSON, even without Origin (curl -d): 415 with the reason', async () => {
    const s = await api();
    const port = s.endpoint.port;
    const res = await raw(port, 'PUT', '/zones/example.test', { host: `127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded' }, ZONE);
    expect(res.status).toBe(415);
    expect(res.json.error).toMatch(/application\/json/);
    const bare = await raw(port, 'PUT', '/zones/example.test', { host: `127.0.0.1:${port}` }, ZONE);
    expect(bare.status).toBe(415);
    expect(s.servedSerial('example.test.')).toBeNull();
  });

  it('allowed: curl (JSON, no Origin), DELETE without a body, and a same-origin page (the web console)', async () => {
    const s = await api();
    const port = s.endpoint.port;
    const created = await raw(port, 'PUT', '/zones/example.test', { host: `127.0.0.1:${port}`, 'content-type': 'application/json' }, ZONE);
    expect(created.status).toBe(201);
    const console = await raw(port, 'PUT', '/zones/example.test/records/www/A', {
      host: `localhost:${port}`, origin: `http://localhost:${port}`, 'content-type': 'application/json',
      'sec-fetch-site': 'same-origin',
    }, JSON.stringify({ records: ['192.0.2.1'] }));
    expect(console.status).toBe(200);
    expect(s.answers('www.example.test.', 'A')).toEqual(['www.example.test A 192.0.2.1']);
    const removed = await raw(port, 'DELETE', '/zones/example.test/records/www/A', { host: `127.0.0.1:${port}` });
    expect(removed.status).toBe(200);
    const otherPort = await raw(port, 'GET', '/zones/example.test/records', { host: `127.0.0.1:${port + 1}` });
    expect(otherPort.status).toBe(403);
  });
});
