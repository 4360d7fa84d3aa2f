// The services source in this process, with scripted probes: answers follow health, the serial
// moves once per changed answer set and never otherwise, fail open / closed, file edits, bad files.

import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { Publisher } from '../../../src/primary/publisher.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { parseAddress } from '../../../src/sources/services/address.ts';
import { serviceMetrics } from '../../../src/sources/services/metrics.ts';
import { rank } from '../../../src/sources/services/rendezvous.ts';
import { ServicesSource } from '../../../src/sources/services/services-source.ts';
import { memoryLog } from '../../primary/helpers.ts';
import { until } from '../../helpers/until.ts';
import { answerData } from './helpers.ts';

const EPS = ['10.1.0.1', '10.1.0.2', '10.1.0.3', '10.1.0.4'];
const open: ServicesSource[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function servicesText(extra = '', failClosed = false): string {
  return [
    'zone: svc.test',
    'ttl: 30',
    `failClosed: ${failClosed}`,
    'services:',
    '  - name: www',
    '    replicas: 2',
    `    endpoints: [${EPS.join(', ')}]`,
    '    check: { tcp: 80, interval: 0.05, fails: 2, succs: 2 }',
    extra,
  ].join('\n');
}

async function setup(text = servicesText()) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pgn-svc-'));
  const file = path.join(dir, 'svc.yaml');
  writeFileSync(file, text);
  const healthy = new Map(EPS.map((e) => [e, true]));
  const publisher = new Publisher();
  const registry = new ZoneRegistry();
  const { log, lines } = memoryLog();
  const metricsRegistry = new Registry();
  const source = new ServicesSource({
    file,
    publisher,
    registry,
    log,
    stateDir: dir,
    defaultNs: (o) => [{ name: `ns1.${o}`, ips: [parseAddress('192.0.2.53')!] }],
    metrics: serviceMetrics(metricsRegistry),
    probe: async (_c, e) => healthy.get(e.text) ?? false,
    debounceMs: 10,
  });
  open.push(source);
  await source.start();
  const zone = () => publisher.get('svc.test.')!;
  const www = () => answerData([zone()], 'www.svc.test', 'A');
  return { dir, file, healthy, publisher, registry, lines, source, zone, www, metricsRegistry };
}

/** The two endpoints www gets when all are up, best first. */
const top = (n: number) => rank('www.svc.test.', EPS.map((text) => ({ text, weight: 1 }))).slice(0, n).map((i) => EPS[i]);

describe('services source', () => {
  it('answers with the top replicas; a chosen endpoint going down moves the answer and the serial by one', async () => {
    const t = await setup();
    expect(t.www()).toEqual(top(2).sort());
    const serial = t.zone().serial;

    t.healthy.set(top(2)[0], false);
    await until(() => !t.www().includes(top(2)[0]), { what: 'the answer without the failed endpoint', timeoutMs: 3000 });
    expect(t.www()).toEqual([top(3)[1], top(3)[2]].sort());
    expect(t.zone().serial).toBe(serial + 1);

    // Back up after succs probes: the first answer again, serial one more.
    t.healthy.set(top(2)[0], true);
    await until(() => t.www().includes(top(2)[0]), { what: 'the endpoint back', timeoutMs: 3000 });
    expect(t.www()).toEqual(top(2).sort());
    expect(t.zone().serial).toBe(serial + 2);

    const text = await t.metricsRegistry.metrics();
    expect(text).toContain(`peregrine_endpoint_transitions_total{service="www",endpoint="${top(2)[0]}",to="down"} 1`);
    expect(text).toContain(`peregrine_endpoint_up{service="www",endpoint="${top(2)[0]}"} 1`);
    expect(text).toMatch(/peregrine_check_duration_seconds_count\{kind="tcp"\} \d+/);
  });

  it('an endpoint that is not chosen going down changes nothing', async () => {
    const t = await setup();
    const before = t.zone();
    const spare = EPS.find((e) => !top(2).includes(e))!;
    t.healthy.set(spare, false);
    await until(() => t.lines.some((l) => l.fields.event === 'endpoint_state' && l.fields.endpoint === spare && l.fields.to === 'down'), { what: 'the spare down' });
    // Let the rebuild it triggers run.
    for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.zone()).toBe(before);
    expect(t.lines.filter((l) => l.fields.event === 'zone_reloaded')).toEqual([]);
  });

  it('all down: every endpoint (fail open), or none with failClosed', async () => {
    const t = await setup();
    for (const e of EPS) t.healthy.set(e, false);
    await until(() => t.www().length === 4, { what: 'fail open', timeoutMs: 3000 });
    expect(t.www()).toEqual([...EPS].sort());
    // Failing open is a warning and a gauge, once per entry into the state.
    const warned = t.lines.filter((l) => l.fields.code === 'PGN_WARN_SERVICES_FAIL_OPEN');
    expect(warned).toHaveLength(1);
    expect(warned[0].level).toBe('warn');
    expect(warned[0].fields).toMatchObject({ zone: 'svc.test.', service: 'www', family: 'ipv4', endpoints: 4 });
    expect(await t.metricsRegistry.metrics()).toMatch(/peregrine_service_fail_open\{zone="svc\.test\.",service="www",family="ipv4"\} 1/);
    t.healthy.set(EPS[0], true);
    await until(() => t.www().length === 1, { what: 'one endpoint back', timeoutMs: 3000 });
    expect(t.lines.some((l) => l.fields.event === 'services_fail_open_end')).toBe(true);
    expect(await t.metricsRegistry.metrics()).not.toMatch(/peregrine_service_fail_open\{/);

    const c = await setup(servicesText('', true));
    for (const e of EPS) c.healthy.set(e, false);
    await until(() => c.www().length === 0, { what: 'fail closed', timeoutMs: 3000 });
    expect(c.lines.some((l) => l.fields.code === 'PGN_WARN_SERVICES_FAIL_OPEN')).toBe(false);
  });

  it('follows edits of the file; a broken edit keeps the last good version', async () => {
    const t = await setup();
    const serial = t.zone().serial;
    const replace = (text: string) => {
      writeFileSync(`${t.file}.tmp`, text);
      renameSync(`${t.file}.tmp`, t.file);
    };
    replace(servicesText('  - name: api\n    endpoints: [10.2.0.1]'));
    await until(() => answerData([t.zone()], 'api.svc.test', 'A').length === 1, { what: 'the new service', timeoutMs: 3000 });
    expect(t.zone().serial).toBe(serial + 1);
    replace(servicesText('  - name: api\n    endpoints: [10.2.0.x]'));
    await until(() => t.lines.some((l) => l.fields.event === 'zone_rejected'), { what: 'the rejection', timeoutMs: 3000 });
    expect(t.lines.find((l) => l.fields.event === 'zone_error')?.msg).toBe(`${t.file}:10: services[1].endpoints[0]: '10.2.0.x' is not an IPv4 or IPv6 address`);
    expect(t.registry.get('svc.test.')).toMatchObject({ serial: serial + 1, loads: { ok: 2, error: 1 } });
    expect(answerData([t.zone()], 'api.svc.test', 'A')).toEqual(['10.2.0.1']);
  });

  it('keeps its serial across a restart with the same state dir, and the same selection', async () => {
    const t = await setup();
    const serial = t.zone().serial;
    const answer = t.www();
    t.source.close();
    const publisher = new Publisher();
    const again = new ServicesSource({
      file: t.file,
      publisher,
      registry: new ZoneRegistry(),
      log: memoryLog().log,
      stateDir: t.dir,
      defaultNs: (o) => [{ name: `ns1.${o}`, ips: [parseAddress('192.0.2.53')!] }],
      probe: async () => true,
      watch: false,
    });
    open.push(again);
    await again.start();
    expect(publisher.get('svc.test.')!.serial).toBe(serial);
    expect(answerData([publisher.get('svc.test.')!], 'www.svc.test', 'A')).toEqual(answer);
  });

  it('merges a base zone file: its SOA (with our serial), NS and records; a TTL clash is served with a warning, as knotd and NSD serve it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-svc-base-'));
    writeFileSync(path.join(dir, 'svc.test.zone'), '$TTL 300\n@ IN SOA ns.example.net. admin.example.net. 7 3600 600 86400 60\n@ IN NS ns.example.net.\nmail IN A 192.0.2.25\n');
    const text = 'zone: svc.test\nbase: svc.test.zone\nservices:\n  - name: www\n    endpoints: [10.1.0.1]\n';
    const t = await setup(text.replace('svc.test.zone', path.join(dir, 'svc.test.zone')));
    expect(answerData([t.zone()], 'mail.svc.test', 'A')).toEqual(['192.0.2.25']);
    expect(answerData([t.zone()], 'www.svc.test', 'A')).toEqual(['10.1.0.1']);
    expect(answerData([t.zone()], 'svc.test', 'NS')).toEqual(['ns.example.net']);
    const soa = answerData([t.zone()], 'svc.test', 'SOA');
    expect(soa).toHaveLength(1);
    expect(t.zone().serial).not.toBe(7);

    const clash = await setup('zone: svc.test\nbase: ' + path.join(dir, 'svc.test.zone') + '\nservices:\n  - name: mail\n    endpoints: [10.1.0.1]\n    ttl: 5\n');
    expect(clash.publisher.get('svc.test.')).toBeDefined();
    expect(answerData([clash.zone()], 'mail.svc.test', 'A').sort()).toEqual(['10.1.0.1', '192.0.2.25']);
  });

  it('a file broken at start serves nothing until it is fixed', async () => {
    const t = await setup('zone: svc.test\nservices:\n  - name: www\n    endpoints: [10.1.0.x]\n');
    expect(t.publisher.get('svc.test.')).toBeUndefined();
    expect(t.registry.get('svc.test.')).toMatchObject({ serial: null, loads: { ok: 0, error: 1 }, lastError: `${t.file}:4: services[0].endpoints[0]: '10.1.0.x' is not an IPv4 or IPv6 address` });
    writeFileSync(`${t.file}.tmp`, servicesText());
    renameSync(`${t.file}.tmp`, t.file);
    await until(() => t.publisher.get('svc.test.') !== undefined, { what: 'the fixed file served', timeoutMs: 3000 });
    expect(t.www()).toEqual(top(2).sort());
  });
});
