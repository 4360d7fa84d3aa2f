// The YAML config file: the example validates, every key reads into its setting, problems name the
// key and line, unknown keys are errors, and command-line flags win over the file.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, serveOptions } from '../../src/cli.ts';
import { CONFIG_KEYS, parseConfig, readConfigFile } from '../../src/config/config-file.ts';
import { formatAddress } from '../../src/config/serve-options.ts';
import { ConfigFileError } from '../../src/errors.ts';

const EXAMPLE = path.resolve('examples/peregrine.yaml');
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-config-'));
const CONFIG = path.join(dir, 'peregrine.yaml');

/** The `FILE:LINE: message` lines of a config text's problems (none: []). */
function problems(text: string): string[] {
  try {
    parseConfig(text, CONFIG);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigFileError)) throw err;
    return err.lines().map((l) => l.slice(dir.length + 1));
  }
}

describe('config file', () => {
  it('the example validates, sets every key, and its paths are relative to its directory', () => {
    const s = readConfigFile(EXAMPLE);
    const examples = path.dirname(EXAMPLE);
    expect(s).toEqual({
      zones: [
        { file: path.join(examples, 'localhost.zone'), origin: null },
        { file: path.join(examples, 'shop.example.zone'), origin: 'shop.example.' },
      ],
      zoneDirs: [examples],
      listen: [{ host: '127.0.0.1', port: 8053, family: 4 }],
      workers: 2,
      http: { host: '127.0.0.1', port: 8080, family: 4 },
      drainSeconds: 5,
      geo: [{ origin: 'shop.example.', file: path.join(examples, 'shop.example.geo'), mode: 'subnet', ttl: 60, geodbFile: undefined, geodbKeys: undefined }],
      ecs: false,
      maxUdpPayload: 1232,
      identity: 'ns1.example.net',
      versionString: 'Peregrine',
      chaos: true,
      tcpIdleTimeoutSeconds: 10,
      tcpMaxConnections: 1024,
      expiryWarningSeconds: 7 * 86400,
      stateDir: '/var/lib/peregrine',
      tinydns: [path.join(examples, 'tinydns', 'data')],
      services: [path.join(examples, 'svc.example.services.yaml')],
      registries: [path.join(examples, 'cluster.example.registry.json')],
      tcpMaxPerClient: 64,
      tcpMaxLifetimeSeconds: 120,
      tcpMaxQueries: 0,
      tcpMaxMessage: 65535,
      rrlRate: 0,
      rrlSlip: 2,
      rrlWhitelist: [{ family: 4, bytes: [127, 0, 0, 0], bits: 8, text: '127.0.0.0/8' }],
      apiTokenFile: path.join(examples, 'api-token.example'),
      allowTransfer: [{ family: 4, bytes: [127, 0, 0, 0], bits: 8, text: '127.0.0.0/8' }],
      tsigKeys: [{ name: 'transfer-key', algorithm: 'hmac-sha256', secret: 'cGVyZWdyaW5lIGV4YW1wbGUga2V5LCBub3QgYSBzZWNyZXQ=' }],
      notify: [
        { address: { host: '127.0.0.1', port: 5399, family: 4 }, key: null },
        { address: { host: '127.0.0.1', port: 5398, family: 4 }, key: 'transfer-key' },
      ],
      notifyRules: [
        { source: 'services', path: path.join(examples, 'svc.example.services.yaml'), targets: [{ address: { host: '127.0.0.1', port: 5399, family: 4 }, key: null }] },
      ],
      secondaries: [{ origin: 'secondary.example.', primaries: [{ host: '127.0.0.1', port: 5397, family: 4 }], key: 'transfer-key' }],
      io: 'mmsg',
      zoneMetricsMax: 10000,
      serialPolicy: 'warn',
      nsid: Uint8Array.from(Buffer.from('peregrine-example')),
      cookieSecretFile: path.join(examples, 'cookie-secret.example'),
      zonemdVerify: false,
      dnstapSample: 1,
      catalog: 'catalog.example.',
      catalogConsumers: [{ origin: 'catalog.upstream.example.', primaries: [{ host: '127.0.0.1', port: 5396, family: 4 }], key: 'transfer-key' }],
    });
    // The example documents every key there is: user and group commented out (they need root),
    // dnstap too (it needs a collector), and the TLS keys (it ships no certificate); notifyRules
    // is no key of its own (the notify lists of zones, zone-dir, services … entries).
    expect(Object.keys(s)).toHaveLength(CONFIG_KEYS.length - 6 + 1);
    const text = readFileSync(EXAMPLE, 'utf8');
    expect(text).toMatch(/^# dnstap: /m);
    expect(text).toMatch(/^# user: /m);
    expect(text).toMatch(/^# group: /m);
    for (const key of ['tls-listen', 'tls-cert', 'tls-key']) expect(text).toMatch(new RegExp(`^# ${key}: `, 'm'));
  });

  it('reads single values for lists, IPv6, absolute paths, decimals, durations, chaos off', () => {
    const s = parseConfig(
      ['zone-dir: /srv/zones', 'listen: "[::1]:53"', 'drain: 0.5', 'tcp-idle-timeout: 3', 'expiry-warning: 1d12h', 'chaos: false', 'zones: [a.zone]'].join('\n'),
      CONFIG,
    );
    expect(s).toEqual({
      zoneDirs: ['/srv/zones'],
      listen: [{ host: '::1', port: 53, family: 6 }],
      drainSeconds: 0.5,
      tcpIdleTimeoutSeconds: 3,
      expiryWarningSeconds: 129600,
      chaos: false,
      zones: [{ file: path.join(dir, 'a.zone'), origin: null }],
    });
  });

  it('takes a notify list per zones, zone-dir, services, registry and tinydns entry ([] : nobody)', () => {
    const s = parseConfig(
      [
        'zones: [{ file: a.zone, notify: ["192.0.2.1:53"] }, b.zone]',
        'zone-dir: [{ dir: zones, notify: [] }, more]',
        'services: { file: s.yaml, notify: [{ address: "192.0.2.2:53", key: k }] }',
        'registry: [{ file: r.json, notify: "192.0.2.3:53" }]',
        'tinydns: { file: data }',
      ].join('\n'),
      CONFIG,
    );
    const at = (host: string) => ({ host, port: 53, family: 4 });
    expect(s.zones).toEqual([{ file: path.join(dir, 'a.zone'), origin: null }, { file: path.join(dir, 'b.zone'), origin: null }]);
    expect(s.zoneDirs).toEqual([path.join(dir, 'zones'), path.join(dir, 'more')]);
    expect(s.tinydns).toEqual([path.join(dir, 'data')]);
    expect(s.notifyRules).toEqual([
      { source: 'zones', path: path.join(dir, 'a.zone'), targets: [{ address: at('192.0.2.1'), key: null }] },
      { source: 'zone-dir', path: path.join(dir, 'zones'), targets: [] },
      { source: 'services', path: path.join(dir, 's.yaml'), targets: [{ address: at('192.0.2.2'), key: 'k' }] },
      { source: 'registry', path: path.join(dir, 'r.json'), targets: [{ address: at('192.0.2.3'), key: null }] },
      { source: 'tinydns', path: path.join(dir, 'data'), targets: [] },
    ]);
    expect(problems('zone-dir: [{ directory: z }]\n')).toEqual(["peregrine.yaml:1: zone-dir[0]: unknown key 'directory' (known: dir, notify)"]);
  });

  it('an empty file says nothing', () => {
    expect(parseConfig('', CONFIG)).toEqual({});
    expect(parseConfig('# only a comment\n', CONFIG)).toEqual({});
  });

  it('rejects unknown keys, with the line and a suggestion', () => {
    expect(problems('workers: 2\nworker: 3\nbogus: 1\n')).toEqual([
      "peregrine.yaml:2: unknown key 'worker' (did you mean 'workers'?)",
      "peregrine.yaml:3: unknown key 'bogus'",
    ]);
    expect(problems('zones:\n  - file: a.zone\n    orign: a.\n')).toEqual([
      "peregrine.yaml:3: zones[0]: unknown key 'orign' (did you mean 'origin'?) (a zone has file, origin, notify and catalog)",
    ]);
  });

  it('rejects values of the wrong type or out of range, naming the key and its line, every one', () => {
    const text = [
      'workers: many', //                      1
      'max-udp-size: 100', //                  2
      'drain: "5"', //                         3
      'chaos: yes please', //                  4
      'listen:', //                            5
      '  - 127.0.0.1:53', //                   6
      '  - localhost:53', //                   7
      'http: 127.0.0.1', //                    8
      'zones: a.zone', //                      9
      'tcp-max-connections: 1.5', //           10
      'expiry-warning: soon', //               11
      'identity: ""', //                       12
      'zone-dir: {a: 1}', //                   13
      'io: uring', //                          14
    ].join('\n');
    expect(problems(text)).toEqual([
      "peregrine.yaml:1: workers: expected a whole number, got 'many'",
      'peregrine.yaml:2: max-udp-size: 100 is out of range 512..65535',
      "peregrine.yaml:3: drain: expected a number of seconds, got '5'",
      "peregrine.yaml:4: chaos: expected true or false, got 'yes please'",
      "peregrine.yaml:7: listen[1]: 'localhost' is not an IP address",
      "peregrine.yaml:8: http: expected HOST:PORT, got '127.0.0.1'",
      "peregrine.yaml:9: zones: expected a list, got 'a.zone'",
      'peregrine.yaml:10: tcp-max-connections: expected a whole number, got 1.5',
      "peregrine.yaml:11: expiry-warning: 'soon' is not a duration (seconds, or e.g. 14d, 12h, 1d12h)",
      'peregrine.yaml:12: identity: must not be empty',
      "peregrine.yaml:13: zone-dir[0]: unknown key 'a' (known: dir, notify)",
      "peregrine.yaml:14: io: expected dgram or mmsg, got 'uring'",
    ]);
  });

  it('rejects a zone without a file, a key without a value, YAML errors and duplicate keys', () => {
    expect(problems('zones:\n  - origin: a.\n')).toEqual(['peregrine.yaml:2: zones[0]: file is required']);
    expect(problems('workers:\n')).toEqual(['peregrine.yaml:1: workers: a value is required']);
    expect(problems('workers: 2\nworkers: 3\n')).toEqual([expect.stringMatching(/^peregrine\.yaml:2: .*unique/)]);
    expect(problems('listen: [127.0.0.1:53\n')[0]).toMatch(/^peregrine\.yaml:\d+: /);
    expect(problems('- a\n- b\n')).toEqual(['peregrine.yaml:1: the config file must be a mapping of keys (key: value)']);
  });

  it('a config file that cannot be read is one problem', () => {
    expect(() => readConfigFile(path.join(dir, 'missing.yaml'))).toThrow(ConfigFileError);
  });
});

describe('config file and flags', () => {
  const file = parseConfig(
    ['zones: [a.zone]', 'listen: [127.0.0.1:53, 127.0.0.2:53]', 'workers: 3', 'drain: 2', 'identity: from-file', 'chaos: false'].join('\n'),
    CONFIG,
  );

  it('fills what the flags do not say', () => {
    const o = serveOptions({}, file);
    expect(o.zones).toEqual([{ file: path.join(dir, 'a.zone'), origin: null }]);
    expect(o.listen.map(formatAddress)).toEqual(['127.0.0.1:53', '127.0.0.2:53']);
    expect(o.workers).toBe(3);
    expect(o.drainSeconds).toBe(2);
    expect(o.chaos).toEqual({ idServer: null, hostnameBind: null, versionBind: null });
    // Keys the file leaves out keep their defaults.
    expect(o.maxUdpPayload).toBe(1232);
    expect(o.http).toEqual({ host: '127.0.0.1', port: 8080, family: 4 });
  });

  it('a flag given wins over the key, a list flag replaces the whole list', () => {
    const o = serveOptions({ workers: '5', listen: ['[::1]:5353'], zone: ['b.zone'], identity: 'from-flag', 'max-udp-size': '4096' }, file);
    expect(o.workers).toBe(5);
    expect(o.listen.map(formatAddress)).toEqual(['[::1]:5353']);
    expect(o.zones).toEqual([{ file: 'b.zone', origin: null }]);
    expect(o.maxUdpPayload).toBe(4096);
    expect(o.drainSeconds).toBe(2);
    // chaos: false in the file stays off; there is no flag to turn it back on.
    expect(o.chaos.idServer).toBeNull();
    const on = serveOptions({ identity: 'from-flag' }, parseConfig('zones: [a.zone]\n', CONFIG));
    expect(on.chaos).toEqual({ idServer: 'from-flag', hostnameBind: 'from-flag', versionBind: expect.stringMatching(/^Peregrine /) });
    expect(serveOptions({}, parseConfig('zones: [a.zone]\n', CONFIG)).workers).toBe(os.availableParallelism());
  });

  it('a file with zone-dir only and --zone on the command line serve both', () => {
    const o = serveOptions({ zone: ['b.zone'] }, parseConfig('zone-dir: zones\n', CONFIG));
    expect(o.zones).toEqual([{ file: 'b.zone', origin: null }]);
    expect(o.zoneDirs).toEqual([path.join(dir, 'zones')]);
  });

  it('peregrine serve --config with a bad file exits 2, printing FILE:LINE for each problem', async () => {
    writeFileSync(CONFIG, 'zones: [a.zone]\nworkers: 0\nlisten: nowhere\n');
    let err = '';
    const code = await main(['serve', '--config', CONFIG], { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toBe(
      `peregrine: ${CONFIG}:2: workers: 0 is out of range 1..1024\nperegrine: ${CONFIG}:3: listen[0]: expected HOST:PORT, got 'nowhere'\n`,
    );
  });

  it('a file and flags that together serve nothing is a usage error', async () => {
    writeFileSync(CONFIG, 'workers: 1\n');
    let err = '';
    const code = await main(['serve', '--config', CONFIG], { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/nothing to serve/);
  });
});
