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
    expect(o.tcp).toEqual({ idleTimeoutMs: 10_000, maxConnections: 1024 });
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
    expect(o.tcp).toEqual({ idleTimeoutMs: 3000, maxConnections: 10 });
  });
});
