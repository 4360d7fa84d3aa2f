// The registry source: JSON names → addresses, reverse zones, problems at FILE:LINE, the last good
// version kept, and a rewrite by atomic rename served.

import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Publisher } from '../../../src/primary/publisher.ts';
import { ZoneRegistry } from '../../../src/primary/zone-registry.ts';
import { parseRegistry } from '../../../src/sources/registry/registry-file.ts';
import { RegistrySource } from '../../../src/sources/registry/registry-source.ts';
import { parseAddress } from '../../../src/sources/services/address.ts';
import { SourceFileError } from '../../../src/sources/services/config.ts';
import { memoryLog } from '../../primary/helpers.ts';
import { until } from '../../helpers/until.ts';
import { answerData } from '../services/helpers.ts';

const defaultNs = (o: string) => [{ name: `ns1.${o}`, ips: [parseAddress('192.0.2.53')!] }];
const open: RegistrySource[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

function problems(text: string): string[] {
  try {
    parseRegistry(text, 'reg.json', defaultNs);
  } catch (err) {
    if (err instanceof SourceFileError) return err.lines();
    throw err;
  }
  return [];
}

const GOOD = `{
  "zone": "cluster.test",
  "ttl": 5,
  "reverse": ["10.in-addr.arpa", "0.0.d.f.ip6.arpa"],
  "records": [
    { "name": "web-1.hello", "ips": ["10.0.0.1", "FD00::1"] },
    { "name": "web-2.hello", "ips": ["10.0.0.2"], "ttl": 60 },
    { "name": "web-1.hello", "ips": ["10.0.0.3"] }
  ]
}
`;

describe('registry file', () => {
  it('reads names relative to the zone, merges a name listed twice, notes each record line', () => {
    const r = parseRegistry(GOOD, 'reg.json', defaultNs);
    expect(r.apex).toMatchObject({ origin: 'cluster.test.', ttl: 5, ns: [{ name: 'ns1.cluster.test.' }] });
    expect(r.reverse).toEqual(['10.in-addr.arpa.', '0.0.d.f.ip6.arpa.']);
    expect(r.records.map((x) => [x.name, x.ttl, x.addresses.map((a) => a.text), x.line])).toEqual([
      ['web-1.hello.cluster.test.', 5, ['10.0.0.1', 'fd00::1', '10.0.0.3'], 6],
      ['web-2.hello.cluster.test.', 60, ['10.0.0.2'], 7],
    ]);
  });

  it('reports problems at FILE:LINE', () => {
    const syntax = problems('{\n  "zone": "cluster.test",\n  "records": [\n    { "name": "a", "ips": ["10.0.0.1"] },\n  ]\n}\n');
    expect(syntax).toHaveLength(1);
    expect(syntax[0]).toMatch(/^reg\.json:5: not JSON: /);
    expect(
      problems('{\n  "zone": "cluster.test",\n  "records": [\n    { "name": "a", "ips": ["10.0.0.1"] },\n    { "name": "b",\n      "ips": ["10.0.0.300"] },\n    { "name": "c.other.", "ips": [] }\n  ],\n  "extra": 1\n}\n'),
    ).toEqual([
      'reg.json:9: extra: unknown key "extra" (known: zone, ttl, ns, reverse, records)',
      'reg.json:6: records[1].ips[0]: "10.0.0.300" is not an IPv4 or IPv6 address',
      'reg.json:7: records[2].name: c.other. is not inside cluster.test.',
    ]);
    expect(problems('[]')).toEqual(['reg.json:1: expected an object with "zone" and "records"']);
    expect(problems('{\n  "zone": "cluster.test",\n  "records": [\n    { "name": "a" "ips": [] }\n  ]\n}\n')[0]).toMatch(/^reg\.json:4: not JSON: /);
    expect(problems('')[0]).toMatch(/^reg\.json:1: not JSON: /);
  });
});

describe('registry source', () => {
  it('serves the zone and its reverse zones; a rewrite by atomic rename is served, a broken one is not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-reg-'));
    const file = path.join(dir, 'reg.json');
    writeFileSync(file, GOOD);
    const publisher = new Publisher();
    const registry = new ZoneRegistry();
    const { log, lines } = memoryLog();
    const source = new RegistrySource({ file, publisher, registry, log, stateDir: dir, defaultNs, debounceMs: 10 });
    open.push(source);
    await source.start();
    const zones = () => publisher.loaded();
    expect(answerData(zones(), 'web-1.hello.cluster.test', 'A')).toEqual(['10.0.0.1', '10.0.0.3']);
    expect(answerData(zones(), 'web-1.hello.cluster.test', 'AAAA')).toEqual(['fd00::1']);
    expect(answerData(zones(), '2.0.0.10.in-addr.arpa', 'PTR')).toEqual(['web-2.hello.cluster.test']);
    expect(answerData(zones(), '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa', 'PTR')).toEqual(['web-1.hello.cluster.test']);
    const serial = publisher.get('cluster.test.')!.serial;
    const reverseSerial = publisher.get('10.in-addr.arpa.')!.serial;

    const replace = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    // web-2 moves to another address: both zones change.
    replace(GOOD.replace('"10.0.0.2"', '"10.0.0.9"'));
    await until(() => answerData(zones(), 'web-2.hello.cluster.test', 'A')[0] === '10.0.0.9', { what: 'the rewrite served', timeoutMs: 1000 });
    expect(publisher.get('cluster.test.')!.serial).toBe(serial + 1);
    await until(() => publisher.get('10.in-addr.arpa.')!.serial === reverseSerial + 1, { what: 'the reverse zone' });
    // The IPv6 reverse zone did not change: same version.
    expect(lines.filter((l) => l.fields.event === 'zone_reloaded').map((l) => l.fields.zone).sort()).toEqual(['10.in-addr.arpa.', 'cluster.test.']);

    replace('{ "zone": "cluster.test", "records": [ { "name": "x", "ips": "10.0.0.1" } ] }');
    await until(() => lines.some((l) => l.fields.event === 'zone_rejected'), { what: 'the rejection' });
    expect(lines.find((l) => l.fields.event === 'zone_error')?.msg).toBe(`${file}:1: records[0].ips: "ips" is required: a list of addresses`);
    expect(registry.get('cluster.test.')).toMatchObject({ serial: serial + 1, loads: { ok: 2, error: 1 } });
    expect(answerData(zones(), 'web-2.hello.cluster.test', 'A')).toEqual(['10.0.0.9']);
  });
});

describe('jsonErrorOffset', () => {
  it('is null for valid JSON and points at the first error otherwise', async () => {
    const { jsonErrorOffset } = await import('../../../src/sources/registry/json-position.ts');
    for (const ok of ['{}', '[]', ' {"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]} ', '"s"', '0']) expect(jsonErrorOffset(ok)).toBeNull();
    expect(jsonErrorOffset('[1,]')).toBe(3);
    expect(jsonErrorOffset('{"a" 1}')).toBe(5);
    expect(jsonErrorOffset('{"a": 01}')).toBe(7);
    expect(jsonErrorOffset('[1] x')).toBe(4);
    expect(jsonErrorOffset('')).toBe(0);
  });
});
