// The control API's settings: --api-token-file / api-token-file:, the token file's rules, and the
// refusal to serve the API beyond loopback without a token; --state-dir alone is something to serve.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main, serveOptions } from '../../../src/cli.ts';
import { parseConfig } from '../../../src/config/config-file.ts';
import { isLoopback } from '../../../src/config/serve-options.ts';
import { ConfigError } from '../../../src/errors.ts';
import { BearerAuth, readApiToken } from '../../../src/sources/api/auth.ts';
import { tempDir } from './helpers.ts';

describe('control API options', () => {
  it('refuses --http on a non-loopback address without a token, naming the fix', () => {
    for (const http of ['0.0.0.0:8080', '192.0.2.1:8080', '[::]:8080', '[2001:db8::1]:8080']) {
      expect(() => serveOptions({ zone: ['a.zone'], http })).toThrow(/not a loopback address: the control API then needs a token; give --api-token-file FILE/);
    }
    expect(serveOptions({ zone: ['a.zone'], http: '0.0.0.0:8080', 'api-token-file': '/etc/peregrine/token' }).apiTokenFile).toBe('/etc/peregrine/token');
    for (const http of ['127.0.0.1:8080', '127.1.2.3:0', '[::1]:8080']) expect(serveOptions({ zone: ['a.zone'], http }).apiTokenFile).toBeNull();
    expect(serveOptions({ zone: ['a.zone'] }).apiTokenFile).toBeNull(); // the default --http is loopback
  });

  it('applies the same rule to the config file, and a flag wins over its key', () => {
    const dir = tempDir();
    const file = path.join(dir, 'p.yaml');
    const fromFile = parseConfig('zones: [a.zone]\nhttp: 0.0.0.0:8080\napi-token-file: token\n', file);
    expect(fromFile.apiTokenFile).toBe(path.join(dir, 'token'));
    expect(serveOptions({}, fromFile).apiTokenFile).toBe(path.join(dir, 'token'));
    expect(() => serveOptions({}, parseConfig('zones: [a.zone]\nhttp: 0.0.0.0:8080\n', file))).toThrow(ConfigError);
    expect(serveOptions({ 'api-token-file': '/t' }, fromFile).apiTokenFile).toBe('/t');
  });

  it('takes --state-dir alone as something to serve (zones from the API)', () => {
    expect(serveOptions({ 'state-dir': '/var/lib/peregrine' }).stateDir).toBe('/var/lib/peregrine');
    expect(() => serveOptions({})).toThrow(/nothing to serve/);
  });

  it('exits 2 with the reason when serve is asked to open the API beyond loopback without a token', async () => {
    let err = '';
    const code = await main(['serve', '--zone', 'examples/localhost.zone', '--http', '0.0.0.0:0'], { out: () => {}, err: (t) => void (err += t) });
    expect(code).toBe(2);
    expect(err).toMatch(/^peregrine: --http 0\.0\.0\.0:0 is not a loopback address/);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1']) expect(isLoopback(h), h).toBe(false);
  });
});

describe('the token', () => {
  it('is the file\'s one word; empty or unreadable files are configuration errors', () => {
    const dir = tempDir();
    const file = (name: string, text: string) => {
      writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    expect(readApiToken(file('ok', '  abc123\n'))).toBe('abc123');
    expect(() => readApiToken(file('empty', '\n'))).toThrow(/is empty/);
    expect(() => readApiToken(file('two', 'a b\n'))).toThrow(/one token/);
    expect(() => readApiToken(path.join(dir, 'missing'))).toThrow(/cannot read/);
  });

  it('is compared whole, whatever the length of what is offered', () => {
    const auth = new BearerAuth('abc123');
    expect(auth.check('Bearer abc123')).toBe('ok');
    expect(auth.check('bearer   abc123 ')).toBe('ok');
    expect(auth.check('Bearer abc12')).toBe('invalid');
    expect(auth.check('Bearer abc1234')).toBe('invalid');
    expect(auth.check('Bearer ' + 'x'.repeat(10000))).toBe('invalid');
    expect(auth.check(undefined)).toBe('missing');
    expect(auth.check('Basic YWJjMTIz')).toBe('missing');
    expect(new BearerAuth(null).check(undefined)).toBe('ok');
  });
});
