// Interop: catalogs between Peregrine and the other servers.
// - Peregrine generates a catalog of its zone directory (--catalog); knotd (`catalog-role:
//   interpret`) and named (`catalog-zones`) as its secondaries pick up every member and answer
//   every name and type of them as Peregrine does, then follow an addition and a removal.
// - Peregrine consumes (--catalog-consumer) the catalog a knotd generates (`catalog-role:
//   generate`), and a plain catalog zone that named serves as a primary.
//
// Run: npx vitest run --project interop test/interop/fleet-catalog.test.ts
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT, exampleCorpus, zoneContent } from './corpus.ts';
import { INTEROP_TSIG, axfr } from './helpers/knotd.ts';
import { startNamed } from './helpers/named.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import { spawnServer, zonesReady, type ServerHandle } from './helpers/process.ts';
import { compareServers, formatReport } from './helpers/run.ts';
import { soaSerialOf, waitFor } from './helpers/transfer.ts';
import { freePort } from '../helpers/ports.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-fleet-catalog-'));
const running: Array<{ stop(): Promise<void> }> = [];
afterAll(async () => {
  await Promise.all(running.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const q = (s: string) => JSON.stringify(s);

function zone(origin: string, n: number): string {
  return [
    `$ORIGIN ${origin}`, '$TTL 300', `@ IN SOA ns1 hostmaster ${n} 3600 600 86400 300`, '@ IN NS ns1', 'ns1 IN A 192.0.2.1',
    `www IN A 192.0.2.${n}`, 'www IN AAAA 2001:db8::1', 'mail IN MX 10 ns1', '@ IN TXT "member zone"', '*.wild IN A 192.0.2.99', 'alias IN CNAME www',
  ].join('\n') + '\n';
}

/** knotd reading catalog `catalog` from 127.0.0.1:`primary` (interpret), members from the same primary. */
async function startKnotInterpret(port: number, primary: number, catalog: string, wait: string[]): Promise<ServerHandle> {
  const kdir = mkdtempSync(path.join(dir, 'knot-'));
  mkdirSync(path.join(kdir, 'db'));
  const conf = path.join(kdir, 'knot.conf');
  writeFileSync(conf, [
    'server:', `    rundir: ${q(kdir)}`, `    listen: 127.0.0.1@${port}`, '    udp-workers: 1', '    tcp-workers: 1', '    background-workers: 1', '',
    'log:', '  - target: stderr', '    any: info', '',
    'remote:', '  - id: peer', `    address: 127.0.0.1@${primary}`, '',
    'acl:', '  - id: from-peer', '    address: 127.0.0.1', '    action: notify', '',
    'database:', `    storage: ${q(path.join(kdir, 'db'))}`, '',
    'template:',
    '  - id: default', `    storage: ${q(kdir)}`, '    zonefile-sync: -1', '    journal-content: none',
    '  - id: member', `    storage: ${q(kdir)}`, '    zonefile-sync: -1', '    journal-content: none', '    master: peer', '    acl: from-peer', '',
    'zone:', `  - domain: ${q(catalog)}`, '    master: peer', '    acl: from-peer', '    catalog-role: interpret', '    catalog-template: member', '',
  ].join('\n'));
  const proc = spawnServer('knotd', ['-c', conf, '-s', path.join(kdir, 'knot.sock')], { cwd: kdir });
  const stop = await zonesReady('knotd', proc, port, kdir, { zones: wait.map((origin) => ({ origin })), timeoutMs: 20_000 });
  const handle = { name: 'knotd', port, output: proc.output, stop };
  running.push(handle);
  return handle;
}

/** named with `catalog-zones` on `catalog` from 127.0.0.1:`primary`. */
async function startNamedConsumer(port: number, primary: number, catalog: string, wait: string[]): Promise<ServerHandle> {
  const ndir = mkdtempSync(path.join(dir, 'named-'));
  const conf = path.join(ndir, 'named.conf');
  writeFileSync(conf, [
    'options {', `  directory ${q(ndir)};`, `  pid-file ${q(path.join(ndir, 'named.pid'))};`, `  session-keyfile ${q(path.join(ndir, 'session.key'))};`,
    `  managed-keys-directory ${q(ndir)};`, `  listen-on port ${port} { 127.0.0.1; };`, '  listen-on-v6 { none; };', '  recursion no;', '  dnssec-validation no;',
    '  allow-new-zones yes;', '  notify no;',
    `  catalog-zones { zone ${q(catalog)} default-primaries { 127.0.0.1 port ${primary}; } in-memory yes; };`,
    '};', 'controls { };',
    `zone ${q(catalog)} { type secondary; primaries { 127.0.0.1 port ${primary}; }; file "catalog.db"; };`,
  ].join('\n') + '\n');
  const proc = spawnServer('named', ['-g', '-n', '1', '-c', conf], { cwd: ndir });
  const stop = await zonesReady('named', proc, port, ndir, { zones: wait.map((origin) => ({ origin })), timeoutMs: 20_000 });
  const handle = { name: 'named', port, output: proc.output, stop };
  running.push(handle);
  return handle;
}

/** Every name and type of `origin` (read back from Peregrine), asked of both: no difference in rcode and answer. */
async function sameAnswers(peregrine: PeregrineHandle, other: ServerHandle, origin: string): Promise<number> {
  const records = await axfr(peregrine.port, origin, INTEROP_TSIG);
  const cases = exampleCorpus([zoneContent(origin, records)]);
  const accepted = [
    { label: /./, field: /^(?!rcode$|answer$|response$)/, reason: 'catalog members: the zone data (rcode and answer) is what the catalog provisions' },
    ...(other.name === 'named' ? [{ label: / ANY( |$)/, field: 'answer', reason: 'named answers ANY with every RRset, Peregrine (as Knot) with one (RFC 8482)' }] : []),
  ];
  const results = await compareServers({ name: other.name, port: other.port }, { name: 'peregrine', port: peregrine.port }, cases, accepted);
  if (results.some((r) => r.diffs.length > 0)) throw new Error(formatReport(results, other.name, 'peregrine'));
  return results.length;
}

describe('Peregrine generates a catalog', () => {
  test('knotd (interpret) and named (catalog-zones) serve every member, then follow an addition and a removal', async () => {
    const zones = path.join(dir, 'zones');
    mkdirSync(zones);
    for (const [o, n] of [['m1.test.', 1], ['m2.test.', 2]] as const) writeFileSync(path.join(zones, `${o}zone`), zone(o, n));
    const [knotPort, namedPort] = [await freePort(), await freePort()];
    const config = path.join(dir, 'peregrine.yaml');
    writeFileSync(config, [
      'tsig-keys:', `  - { name: ${INTEROP_TSIG.name}, algorithm: hmac-sha256, secret: "${INTEROP_TSIG.secret}" }`,
      'allow-transfer: [127.0.0.1/32]', 'catalog: cat.test.', `notify: ["127.0.0.1:${knotPort}", "127.0.0.1:${namedPort}"]`,
    ].join('\n') + '\n');
    const peregrine = await startPeregrine({ root: REPO_ROOT, zones: [], extraArgs: ['--config', config, '--zone-dir', zones] });
    running.push(peregrine);
    // knotd does not answer queries for a catalog it interprets: wait for the members only.
    const knot = await startKnotInterpret(knotPort, peregrine.port, 'cat.test.', ['m1.test.', 'm2.test.']);
    const named = await startNamedConsumer(namedPort, peregrine.port, 'cat.test.', ['cat.test.', 'm1.test.', 'm2.test.']);
    for (const s of [knot, named]) {
      for (const m of ['m1.test.', 'm2.test.']) expect(await sameAnswers(peregrine, s, m)).toBeGreaterThan(10);
    }

    writeFileSync(path.join(zones, 'm3.test.zone'), zone('m3.test.', 3));
    unlinkSync(path.join(zones, 'm1.test.zone'));
    for (const s of [knot, named]) {
      await waitFor(async () => (await soaSerialOf(s.port, 'm3.test.')) === 3, `${s.name} serving the added m3.test.`, 20_000).catch((err: Error) => {
        throw new Error(`${err.message}\n${s.name}:\n${s.output()}\nperegrine:\n${peregrine.output()}`);
      });
      await waitFor(async () => (await soaSerialOf(s.port, 'm1.test.')) === null, `${s.name} dropping the removed m1.test.`, 20_000);
      expect(await sameAnswers(peregrine, s, 'm3.test.')).toBeGreaterThan(10);
    }
  }, 120_000);
});

/** knotd generating catalog `catalog` of `members` (zone files), transfers allowed to 127.0.0.1, NOTIFY to `notifyPort`. */
async function startKnotGenerate(notifyPort: number, catalog: string, members: Array<{ origin: string; file: string }>): Promise<ServerHandle> {
  const kdir = mkdtempSync(path.join(dir, 'knotgen-'));
  mkdirSync(path.join(kdir, 'db'));
  const port = await freePort();
  const conf = path.join(kdir, 'knot.conf');
  writeFileSync(conf, [
    'server:', `    rundir: ${q(kdir)}`, `    listen: 127.0.0.1@${port}`, '    udp-workers: 1', '    tcp-workers: 1', '    background-workers: 1', '',
    'log:', '  - target: stderr', '    any: info', '',
    'remote:', '  - id: peregrine', `    address: 127.0.0.1@${notifyPort}`, '',
    'acl:', '  - id: xfr', '    address: 127.0.0.1', '    action: transfer', '',
    'database:', `    storage: ${q(path.join(kdir, 'db'))}`, '',
    'template:', '  - id: default', `    storage: ${q(kdir)}`, '    zonefile-sync: -1', '    acl: xfr', '    notify: peregrine', '',
    'zone:', `  - domain: ${q(catalog)}`, '    catalog-role: generate',
    ...members.flatMap((m) => [`  - domain: ${q(m.origin)}`, `    file: ${q(m.file)}`, '    catalog-role: member', `    catalog-zone: ${q(catalog)}`]),
    '',
  ].join('\n'));
  const proc = spawnServer('knotd', ['-c', conf, '-s', path.join(kdir, 'knot.sock')], { cwd: kdir });
  const stop = await zonesReady('knotd', proc, port, kdir, { zones: members, timeoutMs: 20_000 });
  const handle = { name: 'knotd', port, output: proc.output, stop };
  running.push(handle);
  return handle;
}

describe('Peregrine consumes a catalog', () => {
  test('of a knotd that generates it (catalog-role: generate): every member served, answering as knotd does', async () => {
    const files = (['k1.test.', 'k2.test.'] as const).map((origin, i) => {
      const file = path.join(dir, `${origin}zone`);
      writeFileSync(file, zone(origin, 10 + i));
      return { origin, file };
    });
    const peregrinePort = await freePort();
    const knot = await startKnotGenerate(peregrinePort, 'kcat.test.', files);
    const config = path.join(dir, 'consumer.yaml');
    writeFileSync(config, `tsig-keys:\n  - { name: ${INTEROP_TSIG.name}, algorithm: hmac-sha256, secret: "${INTEROP_TSIG.secret}" }\n`);
    const peregrine = await startPeregrine({
      root: REPO_ROOT, zones: [], port: peregrinePort,
      extraArgs: ['--config', config, '--catalog-consumer', `kcat.test.=127.0.0.1:${knot.port}`, '--state-dir', mkdtempSync(path.join(dir, 'pstate-'))],
    });
    running.push(peregrine);
    for (const f of files) await waitFor(async () => (await soaSerialOf(peregrine.port, f.origin)) !== null, `Peregrine serving ${f.origin}`, 20_000);
    expect(await soaSerialOf(peregrine.port, 'k1.test.')).toBe(10);
    expect(await soaSerialOf(peregrine.port, 'k2.test.')).toBe(11);
    for (const f of files) expect(await sameAnswers(peregrine, knot, f.origin)).toBeGreaterThan(10);
    expect(peregrine.output()).toMatch(/"event":"catalog_applied","zone":"kcat\.test\."/);
  }, 90_000);

  test('of a named primary serving a plain catalog zone: members served, then an addition, a removal and a zone reset followed', async () => {
    const files = (['n1.test.', 'n2.test.', 'n3.test.'] as const).map((origin, i) => {
      const file = path.join(dir, `${origin}zone`);
      writeFileSync(file, zone(origin, 20 + i));
      return { origin, file };
    });
    const catalog = (serialNo: number, members: string[]) => [
      '$ORIGIN ncat.test.', '$TTL 0', `@ SOA invalid. invalid. ${serialNo} 3600 600 2147483646 0`, '@ NS invalid.', 'version TXT "2"', ...members,
    ].join('\n') + '\n';
    const catFile = path.join(dir, 'ncat.test.zone');
    writeFileSync(catFile, catalog(1, ['a.zones PTR n1.test.', 'group.a.zones TXT "blue"', 'b.zones PTR n2.test.']));
    const peregrinePort = await freePort();
    const named = await startNamed({ zones: [{ origin: 'ncat.test.', file: catFile }, ...files], notifyPort: peregrinePort });
    running.push(named);
    const peregrine = await startPeregrine({
      root: REPO_ROOT, zones: [], port: peregrinePort,
      extraArgs: ['--catalog-consumer', `ncat.test.=127.0.0.1:${named.port}`, '--state-dir', mkdtempSync(path.join(dir, 'pstate-'))],
    });
    running.push(peregrine);
    await waitFor(async () => (await soaSerialOf(peregrine.port, 'n1.test.')) === 20 && (await soaSerialOf(peregrine.port, 'n2.test.')) === 21, 'Peregrine serving n1 and n2', 20_000);
    expect(await soaSerialOf(peregrine.port, 'n3.test.')).toBeNull();

    // n1 gets a new label (zone reset), n2 leaves, n3 joins.
    writeFileSync(named.zoneFile('ncat.test.'), catalog(2, ['a2.zones PTR n1.test.', 'c.zones PTR n3.test.']));
    named.reload();
    await waitFor(async () => (await soaSerialOf(peregrine.port, 'n3.test.')) === 22 && (await soaSerialOf(peregrine.port, 'n2.test.')) === null, 'n3 added and n2 removed', 20_000);
    await waitFor(async () => (await soaSerialOf(peregrine.port, 'n1.test.')) === 20, 'n1 served again after its reset', 20_000);
    const applied = peregrine.output().split('\n').filter((l) => l.includes('"event":"catalog_applied"')).map((l) => JSON.parse(l) as { added: string[]; removed: string[]; reset: string[]; groups: string[] });
    expect(applied[0]).toMatchObject({ added: ['n1.test.', 'n2.test.'], groups: ['blue'] });
    expect(applied.at(-1)).toMatchObject({ added: ['n3.test.'], removed: ['n2.test.'], reset: ['n1.test.'] });
  }, 90_000);
});
