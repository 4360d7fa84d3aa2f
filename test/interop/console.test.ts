// The web console in a real browser: Debian's chromium driven by playwright-core (no browser
// download) against a running Peregrine with a token, an API zone, a zone file and a services
// file whose endpoints the test takes up and down. Every change made in the page is checked over
// DNS with kdig. CONSOLE_SCREENSHOTS=DIR saves a picture of each view (the README's).
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Dialog, type Page } from 'playwright-core';
import { freePort } from '../helpers/ports.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TOKEN = 'console-test-token-3f9c1e';
const SHOTS = process.env.CONSOLE_SCREENSHOTS;
/** expect.poll with room for a busy machine (the page polls the server every 2 s). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000, interval: 100 });

function kdig(port: number, name: string, type: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('kdig', [`@127.0.0.1`, '-p', String(port), name, type, '+short', '+tcp', '+timeout=2', '+retry=0'], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`kdig ${name} ${type}: ${err.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

/** Poll kdig until `want` holds: a change is served once every worker has it, shortly after the API's answer. */
async function served(port: number, name: string, type: string, want: (out: string) => boolean): Promise<string> {
  let out = '';
  for (let i = 0; i < 100; i++) {
    out = await kdig(port, name, type);
    if (want(out)) return out;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} ${type}: kdig kept answering '${out}'`);
}

/** A TCP listener on 127.0.0.x:port that the services file's tcp check probes. */
function listen(host: string, port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((s) => s.end());
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

describe('web console in chromium', () => {
  let dir: string;
  let server: PeregrineHandle;
  let browser: Browser;
  let page: Page;
  let checkPort: number;
  const endpoints: net.Server[] = [];

  const shot = async (name: string) => {
    if (SHOTS === undefined) return;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  };

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (.ci/run does)`);
    dir = mkdtempSync(path.join(tmpdir(), 'pgn-console-'));
    checkPort = await freePort();
    endpoints.push(await listen('127.0.0.21', checkPort), await listen('127.0.0.22', checkPort));
    writeFileSync(path.join(dir, 'token'), `${TOKEN}\n`);
    writeFileSync(path.join(dir, 'files.test.zone'), [
      '$ORIGIN files.test.', '$TTL 300',
      '@ SOA ns1 hostmaster 7 3600 600 1209600 300', '@ NS ns1', 'ns1 A 192.0.2.1',
      ...Array.from({ length: 120 }, (_, i) => `host${i} A 198.51.100.${i % 250}`), '',
    ].join('\n'));
    writeFileSync(path.join(dir, 'svc.test.services.yaml'), [
      'zone: svc.test',
      'ttl: 5',
      'services:',
      '  - name: web',
      '    replicas: 2',
      '    endpoints: [127.0.0.21, 127.0.0.22]',
      `    check: { tcp: ${checkPort}, interval: 0.2, timeout: 0.1, fails: 1, succs: 1 }`, '',
    ].join('\n'));
    mkdirSync(path.join(dir, 'state'));
    server = await startPeregrine({
      root: ROOT,
      zones: [{ origin: 'files.test.', file: path.join(dir, 'files.test.zone') }],
      extraArgs: ['--state-dir', path.join(dir, 'state'), '--api-token-file', path.join(dir, 'token'), '--services', path.join(dir, 'svc.test.services.yaml')],
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    for (const e of endpoints) e.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('asks for the token, refuses a wrong one, and signs in', async () => {
    await page.goto(`http://127.0.0.1:${server.httpPort}/`);
    await page.getByLabel('Token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.getByRole('alert').textContent()).toBe('Wrong token.');
    await shot('sign-in');
    await page.getByLabel('Token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Zones' }).waitFor();
    await page.getByRole('link', { name: 'files.test.' }).waitFor();
    await page.getByRole('link', { name: 'svc.test.' }).waitFor();
    await page.getByLabel('Filter zones').fill('svc');
    await poll(() => page.getByRole('link', { name: 'files.test.' }).count()).toBe(0);
    await page.getByLabel('Filter zones').fill('');
    await shot('zones');
  });

  it('browses a zone a page at a time, read-only when it comes from a file', async () => {
    await page.getByRole('link', { name: 'files.test.' }).click();
    await page.getByText('Read-only here').waitFor();
    await page.getByText(/Owner names 1–50 of 122/).waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/Owner names 51–100 of 122/).waitFor();
    await page.getByLabel('Search records').fill('host117');
    await page.getByText(/Owner names 1–1 of 1/).waitFor();
    await page.getByRole('cell', { name: '198.51.100.117', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Add record' }).count()).toBe(0);
  });

  it('creates an API zone, adds a record that kdig then sees, and shows a refused value with its reason', async () => {
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/zones`);
    await page.getByLabel('Zone name').fill('api.test');
    await page.getByLabel('Name servers').fill('ns1.files.test.');
    await page.getByRole('button', { name: 'Create zone' }).click();
    await page.getByText('An API zone').waitFor();
    await served(server.port, 'api.test.', 'NS', (o) => o === 'ns1.files.test.');

    await page.getByRole('button', { name: 'Add record' }).click();
    await page.getByLabel('Name', { exact: true }).fill('www');
    await page.getByLabel('Type').fill('A');
    await page.getByLabel('TTL').fill('120');
    await page.getByLabel('Value').fill('203.0.113.7');
    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => page.getByRole('status').textContent()).toMatch(/^Saved\. New serial \d+\.$/);
    expect(await served(server.port, 'www.api.test.', 'A', (o) => o !== '')).toBe('203.0.113.7');
    await page.getByRole('cell', { name: '203.0.113.7', exact: true }).waitFor();
    await shot('zone');

    await page.getByRole('button', { name: 'Add record' }).click();
    await page.getByLabel('Name', { exact: true }).fill('bad');
    await page.getByLabel('Type').fill('A');
    await page.getByLabel('Value').fill('not-an-address');
    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => page.getByRole('alert').textContent()).toMatch(/not-an-address/);
    await shot('refused');
    expect(await kdig(server.port, 'bad.api.test.', 'A')).toBe('');

    // Change the record, then delete it.
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Edit www.api.test. A 203.0.113.7' }).click();
    await page.getByLabel('Value').fill('203.0.113.8');
    await page.getByRole('button', { name: 'Save' }).click();
    expect(await served(server.port, 'www.api.test.', 'A', (o) => o === '203.0.113.8')).toBe('203.0.113.8');
    page.once('dialog', (d: Dialog) => void d.accept());
    await page.getByRole('button', { name: 'Delete www.api.test. A 203.0.113.8' }).click();
    expect(await served(server.port, 'www.api.test.', 'A', (o) => o === '')).toBe('');
  });

  it('follows a service endpoint going down', async () => {
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/services`);
    const row = (ip: string) => page.getByRole('row').filter({ hasText: ip });
    await poll(() => row('127.0.0.21').getByRole('cell').nth(1).textContent()).toBe('up');
    await poll(() => row('127.0.0.22').getByRole('cell').nth(1).textContent()).toBe('up');
    await shot('services');
    await new Promise<void>((r) => endpoints[1].close(() => r()));
    await poll(() => row('127.0.0.22').getByRole('cell').nth(1).textContent()).toBe('down');
    await poll(() => row('127.0.0.22').getByRole('cell').nth(3).textContent()).toBe('no');
    expect(await served(server.port, 'web.svc.test.', 'A', (o) => o === '127.0.0.21')).toBe('127.0.0.21');
  });

  it('shows traffic and answers a question as dig prints it', async () => {
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/traffic`);
    await page.getByRole('img', { name: /Queries by rcode/ }).waitFor();
    // Some traffic to draw: queries for names that exist and names that do not, until the chart shows both.
    let n = 0;
    await poll(async () => {
      await Promise.all([kdig(server.port, `host${n % 120}.files.test.`, 'A'), kdig(server.port, `nx${n++}.files.test.`, 'A')]);
      return (await page.getByRole('img', { name: /Queries by rcode/ }).getAttribute('aria-label')) ?? '';
    }).toMatch(/NOERROR [\d.]+\/s, NXDOMAIN|NXDOMAIN [\d.]+\/s, NOERROR/);
    await shot('traffic');
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/ask`);
    await page.getByLabel('Name').fill('host5.files.test');
    await page.getByLabel('Type').fill('A');
    await page.getByRole('button', { name: 'Ask' }).click();
    const out = page.locator('pre.dig');
    await poll(() => out.textContent()).toMatch(/;; ANSWER SECTION:\nhost5\.files\.test\.\t300\tIN\tA\t198\.51\.100\.5/);
    await shot('ask');
  });

  it('is usable on a phone-sized screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`http://127.0.0.1:${server.httpPort}/#/zones`);
    await page.getByRole('link', { name: 'files.test.' }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('phone');
  });
});
