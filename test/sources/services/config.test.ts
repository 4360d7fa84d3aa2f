// The services file: what it reads into, defaults, and every problem at its FILE:LINE.

import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseServicesFile, SourceFileError } from '../../../src/sources/services/config.ts';
import { parseAddress } from '../../../src/sources/services/address.ts';

const FILE = '/srv/peregrine/svc.yaml';
const defaultNs = (origin: string) => [{ name: `ns1.${origin}`, ips: [parseAddress('192.0.2.53')!] }];

function problems(text: string): string[] {
  try {
    parseServicesFile(text, FILE, defaultNs);
  } catch (err) {
    if (err instanceof SourceFileError) return err.lines().map((l) => l.slice(path.dirname(FILE).length + 1));
    throw err;
  }
  return [];
}

describe('services file', () => {
  it('reads the example of the issue, with defaults', () => {
    const c = parseServicesFile(
      [
        'zone: svc.test            # comment',
        'ttl: 30',
        'services:',
        '  - name: www',
        '    replicas: 2',
        '    endpoints: [127.0.0.11, 127.0.0.12, {ip: "FD00:0::1", weight: 2}]',
        '    check: { http: "http://{ip}:9145/healthz", interval: 0.5, fails: 2, succs: 2 }',
        '  - names: [a, b.c, "@"]',
        '    id: static',
        '    ttl: 5',
        '    endpoints: [10.0.0.1]',
        '    check: { dns: { name: health.peregrine., type: TXT, port: 8053 } }',
      ].join('\n'),
      FILE,
      defaultNs,
    );
    expect(c.apex).toMatchObject({ origin: 'svc.test.', ttl: 30, base: null, nsGiven: false, ns: [{ name: 'ns1.svc.test.' }] });
    expect(c.apex.soa).toEqual({ mname: 'ns1.svc.test.', rname: 'hostmaster.svc.test.', refresh: 3600, retry: 600, expire: 86400, minimum: 30 });
    const [www, other] = c.services;
    expect(www).toMatchObject({ id: 'www', names: [{ name: 'www.svc.test.', line: 4 }], line: 4, ttl: 30, replicas: 2, failClosed: false });
    expect(www.endpoints.map((e) => [e.text, e.family, e.weight])).toEqual([['127.0.0.11', 4, 1], ['127.0.0.12', 4, 1], ['fd00::1', 6, 2]]);
    expect(www.check).toEqual({ kind: 'http', url: 'http://{ip}:9145/healthz', port: 0, dnsName: '', dnsType: 1, intervalMs: 500, timeoutMs: 400, fails: 2, succs: 2 });
    expect(other).toMatchObject({ id: 'static', ttl: 5, replicas: 1, names: [{ name: 'a.svc.test.' }, { name: 'b.c.svc.test.' }, { name: 'svc.test.' }] });
    expect(other.check).toMatchObject({ kind: 'dns', dnsName: 'health.peregrine.', dnsType: 16, port: 8053, intervalMs: 2000, timeoutMs: 1000, fails: 3, succs: 2 });
  });

  it('reports every problem as FILE:LINE', () => {
    expect(
      problems(
        [
          'zone: svc.test',
          'services:',
          '  - name: www',
          '    endpoints: [127.0.0.1, 300.1.1.1]',
          '  - name: api',
          '    endpoints: [127.0.0.1]',
          '    check: { tcp: 80, interval: 1, timeout: 2 }',
          '  - name: www.other.test.',
          '    endpoints: [127.0.0.1]',
          '  - name: ok',
          '    endpoints: [127.0.0.1]',
          '    chek: {}',
          '  - name: api',
          '    endpoints: [127.0.0.2]',
          '    check: { tcp: 80, http: "http://{ip}/" }',
        ].join('\n'),
      ),
    ).toEqual([
      "svc.yaml:4: services[0].endpoints[1]: '300.1.1.1' is not an IPv4 or IPv6 address",
      'svc.yaml:7: services[1].check.timeout: 2 s must be less than interval (1 s)',
      'svc.yaml:8: services[2].name: www.other.test. is not inside svc.test.',
      "svc.yaml:12: services[3]: unknown key 'chek' (did you mean 'check'?)",
      'svc.yaml:15: services[4].check: give exactly one of http, tcp, dns',
    ]);
  });

  it('rejects a name used twice, a missing zone, YAML syntax errors, soa/ns beside base', () => {
    expect(problems('zone: svc.test\nservices:\n  - name: a\n    endpoints: [10.0.0.1]\n  - name: A\n    endpoints: [10.0.0.2]\n')).toEqual([
      'svc.yaml:5: services[1]: a.svc.test. is already a service (line 3)',
    ]);
    expect(problems('services: []\n')).toEqual(['svc.yaml:1: zone: is required']);
    expect(problems('zone: svc.test\nservices: [\n')[0]).toMatch(/^svc\.yaml:\d+: /);
    expect(problems('zone: svc.test\nbase: svc.test.zone\nns: [ns.example.]\nservices: []\n')).toEqual([
      'svc.yaml:3: ns: comes from the base zone file; leave it out',
    ]);
  });

  it('needs ns when the server has no address to name', () => {
    try {
      parseServicesFile('zone: svc.test\nservices: []\n', FILE, () => []);
      expect.unreachable();
    } catch (err) {
      expect((err as SourceFileError).lines()).toEqual([`${FILE}:1: ns: needed (the server listens on no specific address to name as ns1)`]);
    }
    const c = parseServicesFile('zone: svc.test\nns: [ns.example.net., {name: ns2, ips: [192.0.2.1]}]\nservices: []\n', FILE, () => []);
    expect(c.apex.ns.map((n) => [n.name, n.ips.map((a) => a.text)])).toEqual([['ns.example.net.', []], ['ns2.svc.test.', ['192.0.2.1']]]);
  });
});
