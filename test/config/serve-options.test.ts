// Command-line text to serve settings: addresses, zone specs, defaults, chaos switches.

import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { serveOptions } from '../../src/cli.ts';
import { formatAddress, parseHostPort, parseZoneSpec } from '../../src/config/serve-options.ts';
import { ConfigError } from '../../src/errors.ts';
import { VERSION } from '../../src/version.ts';

describe('parseHostPort', () => {
  it('reads IPv4 and bracketed IPv6', () => {
    expect(parseHostPort('127.0.0.1:8053', 'x')).toEqual({ host: '127.0.0.1', port: 8053, family: 4 });
    expect(parseHostPort('[::1]:53', 'x')).toEqual({ host: '::1', port: 53, family: 6 });
    expect(parseHostPort('[2001:db8::5]:5353', 'x')).toEqual({ host: '2001:db8::5', port: 5353, family: 6 });
    expect(parseHostPort('0.0.0.0:0', 'x', true).port).toBe(0);
  });

  it.each(['127.0.0.1', '127.0.0.1:', '127.0.0.1:65536', '127.0.0.1:0', 'host:53', '[::1]53', '[127.0.0.1]:53', '::1:53', ':53', '127.0.0.1:5x'])(
    'rejects %s',
    (text) => {
      expect(() => parseHostPort(text, '--listen')).toThrow(ConfigError);
    },
  );

  it('formats back', () => {
    expect(formatAddress(parseHostPort('[::1]:53', 'x'))).toBe('[::1]:53');
    expect(formatAddress(parseHostPort('10.0.0.1:53', 'x'))).toBe('10.0.0.1:53');
  });
});

describe('parseZoneSpec', () => {
  it('reads FILE and ORIGIN=FILE', () => {
    expect(parseZoneSpec('zones/a.zone')).toEqual({ file: 'zones/a.zone', origin: null });
    expect(parseZoneSpec('example.com=zones/a.zone')).toEqual({ file: 'zones/a.zone', origin: 'example.com' });
    expect(parseZoneSpec('.=root.zone')).toEqual({ file: 'root.zone', origin: '.' });
  });
});

describe('serveOptions', () => {
  it('fills the documented defaults', () => {
    const o = serveOptions({ zone: ['a.zone'] });
    expect(o.listen).toEqual([{ host: '127.0.0.1', port: 8053, family: 4 }]);
    expect(o.http).toEqual({ host: '127.0.0.1', port: 8080, family: 4 });
    expect(o.workers).toBe(os.availableParallelism());
    expect(o.drainSeconds).toBe(5);
    expect(o.maxUdpPayload).toBe(1232);
    expect(o.tcp).toEqual({
      idleTimeoutMs: 10_000, maxConnections: 1024, maxPerClient: 64, maxLifetimeMs: 120_000, maxQueries: 0, maxMessage: 65535,
    });
    expect(o.rrl).toEqual({ rate: 0, slip: 2, whitelist: [] });
    expect([o.user, o.group]).toEqual([null, null]);
    expect(o.chaos).toEqual({ idServer: os.hostname(), hostnameBind: os.hostname(), versionBind: `Peregrine ${VERSION}` });
    expect(o.io).toBe('auto');
  });

  it('takes --io dgram or mmsg', () => {
    expect(serveOptions({ zone: ['a.zone'], io: 'dgram' }).io).toBe('dgram');
    expect(serveOptions({ zone: ['a.zone'], io: 'mmsg' }).io).toBe('mmsg');
  });

  it('takes identity and version strings, and --no-chaos turns all of CHAOS off', () => {
    const o = serveOptions({ zone: ['a.zone'], identity: 'ns7', 'version-string': 'secret' });
    expect(o.chaos).toEqual({ idServer: 'ns7', hostnameBind: 'ns7', versionBind: 'secret' });
    const off = serveOptions({ zone: ['a.zone'], identity: 'ns7', 'no-chaos': true });
    expect(off.chaos).toEqual({ idServer: null, hostnameBind: null, versionBind: null });
  });

  it('reads repeated --listen, --drain fractions and the TCP limits', () => {
    const o = serveOptions({
      'zone-dir': ['zones'],
      listen: ['127.0.0.1:53', '[::1]:53'],
      drain: '0.5',
      'tcp-idle-timeout': '3',
      'tcp-max-connections': '10',
    });
    expect(o.listen.map(formatAddress)).toEqual(['127.0.0.1:53', '[::1]:53']);
    expect(o.drainSeconds).toBe(0.5);
    expect(o.tcp).toMatchObject({ idleTimeoutMs: 3000, maxConnections: 10 });
  });

  it('reads the new TCP limits, rate limiting and the user to drop to', () => {
    const o = serveOptions({
      'zone-dir': ['zones'],
      'tcp-max-per-client': '3',
      'tcp-max-lifetime': '1.5',
      'tcp-max-queries': '100',
      'tcp-max-message': '512',
      rrl: '20',
      'rrl-slip': '3',
      'rrl-whitelist': ['10.0.0.0/8', '2001:db8::/32', '192.0.2.7', '::ffff:198.51.100.0/120'],
      user: 'nobody',
      group: 'nogroup',
    });
    expect(o.tcp).toEqual({
      idleTimeoutMs: 10_000, maxConnections: 1024, maxPerClient: 3, maxLifetimeMs: 1500, maxQueries: 100, maxMessage: 512,
    });
    expect(o.rrl.rate).toBe(20);
    expect(o.rrl.slip).toBe(3);
    expect(o.rrl.whitelist.map((c) => [c.family, c.bits, c.bytes.join('.')])).toEqual([
      [4, 8, '10.0.0.0'],
      [6, 32, '32.1.13.184.0.0.0.0.0.0.0.0.0.0.0.0'],
      [4, 32, '192.0.2.7'],
      [4, 24, '198.51.100.0'],
    ]);
    expect([o.user, o.group]).toEqual(['nobody', 'nogroup']);
  });

  it('rejects bad limits, prefixes and a group without a user', () => {
    expect(() => serveOptions({ 'zone-dir': ['z'], 'tcp-max-message': '11' })).toThrow(/tcp-max-message: 11 is out of range 12..65535/);
    expect(() => serveOptions({ 'zone-dir': ['z'], rrl: 'fast' })).toThrow(/--rrl: 'fast' is not a whole number/);
    expect(() => serveOptions({ 'zone-dir': ['z'], 'rrl-slip': '101' })).toThrow(/rrl-slip/);
    expect(() => serveOptions({ 'zone-dir': ['z'], 'rrl-whitelist': ['10.0.0.0/33'] })).toThrow(/prefix length must be 0..32/);
    expect(() => serveOptions({ 'zone-dir': ['z'], 'rrl-whitelist': ['example.com'] })).toThrow(/not an address/);
    expect(() => serveOptions({ 'zone-dir': ['z'], group: 'nogroup' })).toThrow(/--group needs --user/);
  });

  it('serves services or registry files alone (each repeatable), and the config keys take one or a list', async () => {
    const o = serveOptions({ services: ['a.yaml', 'b.yaml'] });
    expect(o.services).toEqual(['a.yaml', 'b.yaml']);
    expect(o.registries).toEqual([]);
    expect(serveOptions({ registry: ['r.json'] }).registries).toEqual(['r.json']);
    expect(() => serveOptions({})).toThrow(/--services FILE, --registry FILE/);
    const { parseConfig } = await import('../../src/config/config-file.ts');
    expect(parseConfig('services: s.yaml\nregistry: [r1.json, r2.json]\n', '/etc/peregrine/p.yaml')).toEqual({
      services: ['/etc/peregrine/s.yaml'],
      registries: ['/etc/peregrine/r1.json', '/etc/peregrine/r2.json'],
    });
    // Empty lists say nothing to serve.
    expect(parseConfig('services: []\nregistry: []\n', '/etc/peregrine/p.yaml')).toEqual({ services: [], registries: [] });
  });
});
