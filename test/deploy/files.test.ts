// The deployment files read as intended: keepalived.conf (both directors' view of it), the
// scripts, the systemd units, the sysctl file and the real server's peregrine.yaml, and the
// numbers that must agree across them (drain vs. health-check timing vs. stop timeout).
// No root, no network: `keepalived -t` and the VRRP failover are in test/interop/.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readConfigFile } from '../../src/config/config-file.ts';
import { find, one, parseKeepalived, value, type Item } from './keepalived-conf.ts';
import { run, which } from './helpers/netns.ts';

const ROOT = path.resolve('.');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');
const CONF = read('keepalived/keepalived.conf');
const SCRIPTS = path.join(ROOT, 'keepalived');
const parse = (id: string) => parseKeepalived(CONF, id, { _PWD: SCRIPTS });

function virtualServers(items: Item[]): Map<string, Item[]> {
  const out = new Map<string, Item[]>();
  for (const vs of find(items, 'virtual_server')) out.set(value(vs.block!, 'protocol')!, vs.block!);
  return out;
}

/** Unit-file keys (last value wins, as systemd reads single-valued settings). */
function unitKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) keys.set(m[1], [...(keys.get(m[1]) ?? []), m[2]]);
  }
  return keys;
}

/** Seconds from a systemd time span such as 30, 30s, 1min 30s. */
function seconds(span: string): number {
  let total = 0;
  for (const m of span.matchAll(/([0-9.]+)\s*(min|s|ms)?/g)) {
    total += Number(m[1]) * (m[2] === 'min' ? 60 : m[2] === 'ms' ? 0.001 : 1);
  }
  return total;
}

describe('keepalived/keepalived.conf', () => {
  it('gives director dir1 the MASTER role (priority 150) and every other director BACKUP (100), one VIP', () => {
    const roles = ['dir1', 'dir2', 'some-host'].map((id) => {
      const vrrp = one(parse(id), 'vrrp_instance');
      const vips = one(vrrp.block!, 'virtual_ipaddress').block!.map((i) => i.words.join(' '));
      return { id, state: value(vrrp.block!, 'state'), priority: value(vrrp.block!, 'priority'), vips, iface: value(vrrp.block!, 'interface') };
    });
    expect(roles).toEqual([
      { id: 'dir1', state: 'MASTER', priority: '150', vips: ['192.0.2.53/32 dev eth0'], iface: 'eth0' },
      { id: 'dir2', state: 'BACKUP', priority: '100', vips: ['192.0.2.53/32 dev eth0'], iface: 'eth0' },
      { id: 'some-host', state: 'BACKUP', priority: '100', vips: ['192.0.2.53/32 dev eth0'], iface: 'eth0' },
    ]);
    const vrrp = one(parse('dir1'), 'vrrp_instance').block!;
    expect(value(vrrp, 'virtual_router_id')).toBe('53');
    expect(value(vrrp, 'advert_int')).toBe('1');
    expect(value(vrrp, 'notify')).toBe(`${SCRIPTS}/notify`);
  });

  it('has UDP and TCP virtual servers on VIP:53, DR, no persistence, wrr+ops for UDP', () => {
    const vs = virtualServers(parse('dir1'));
    expect([...vs.keys()].sort()).toEqual(['TCP', 'UDP']);
    for (const vsItem of find(parse('dir1'), 'virtual_server')) expect(vsItem.words).toEqual(['virtual_server', '192.0.2.53', '53']);
    const udp = vs.get('UDP')!;
    const tcp = vs.get('TCP')!;
    for (const block of [udp, tcp]) {
      expect(value(block, 'lb_kind')).toBe('DR');
      // keepalived 2.2.7 rejects "persistence_timeout 0"; no keyword = no persistence.
      expect(find(block, 'persistence_timeout')).toEqual([]);
      expect(find(block, 'persistence_granularity')).toEqual([]);
      expect(value(block, 'delay_loop')).toBe('2');
      expect(find(block, 'alpha')).toHaveLength(1);
      expect(value(block, 'quorum')).toBe('1');
    }
    expect(value(udp, 'lb_algo')).toBe('wrr');
    expect(find(udp, 'ops')).toHaveLength(1);
    expect(value(tcp, 'lb_algo')).toBe('wlc');
    expect(find(tcp, 'ops')).toEqual([]);
  });

  it('checks every real server with check-peregrine on that same server\'s address, in both pools', () => {
    const vs = virtualServers(parse('dir1'));
    const pools: Record<string, string[]> = {};
    for (const [proto, block] of vs) {
      pools[proto] = [];
      for (const rs of find(block, 'real_server')) {
        const [, address, port] = rs.words;
        pools[proto].push(`${address}:${port}`);
        const misc = one(rs.block!, 'MISC_CHECK').block!;
        expect(value(misc, 'misc_path')).toBe(`${SCRIPTS}/check-peregrine ${address} ${port}`);
        // keepalived kills the probe after misc_timeout: it must outlast the probe's own 1 s.
        expect(Number(value(misc, 'misc_timeout'))).toBeGreaterThanOrEqual(2);
        expect(value(misc, 'retry')).toBe('1');
        expect(find(misc, 'misc_dynamic')).toEqual([]);
        expect(Number(value(rs.block!, 'weight'))).toBeGreaterThanOrEqual(1);
        if (proto === 'TCP') expect(find(rs.block!, 'TCP_CHECK')).toHaveLength(1);
      }
    }
    expect(pools.UDP).toEqual(['192.0.2.11:53', '192.0.2.12:53', '192.0.2.13:53']);
    expect(pools.TCP).toEqual(pools.UDP);
  });

  it('uses documentation addresses only (RFC 5737), besides the VRRP multicast group in a comment', () => {
    const addresses = [...CONF.matchAll(/\b(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\b/g)].map((m) => m[1]);
    expect(addresses.length).toBeGreaterThan(10);
    const other = addresses.filter((a) => !a.startsWith('192.0.2.') && !a.startsWith('198.51.100.') && a !== '224.0.0.18' && a !== '0.0.0.0');
    expect(other).toEqual([]);
  });

  it('names scripts that exist, are executable and are not writable by others (enable_script_security)', () => {
    const items = parse('dir1');
    expect(find(one(items, 'global_defs').block!, 'enable_script_security')).toHaveLength(1);
    const commands = new Set<string>();
    const walk = (list: Item[]) => {
      for (const i of list) {
        if (['misc_path', 'notify', 'quorum_up', 'quorum_down'].includes(i.words[0])) commands.add(i.words[1].split(' ')[0]);
        if (i.block) walk(i.block);
      }
    };
    walk(items);
    expect([...commands].sort()).toEqual([`${SCRIPTS}/check-peregrine`, `${SCRIPTS}/notify`]);
    for (const file of commands) {
      const st = statSync(file);
      expect(st.mode & 0o111, `${file} executable`).toBe(0o111);
      expect(st.mode & 0o022, `${file} not group/world-writable`).toBe(0);
    }
  });
});

describe('the scripts', () => {
  const scripts = ['keepalived/check-peregrine', 'keepalived/notify', 'deploy/realserver-vip'];

  it('are POSIX sh, executable, and parse (sh -n)', () => {
    for (const f of scripts) {
      expect(read(f).split('\n')[0], f).toBe('#!/bin/sh');
      expect(statSync(path.join(ROOT, f)).mode & 0o111, f).toBe(0o111);
      const r = run('/bin/sh', ['-n', path.join(ROOT, f)]);
      expect({ f, code: r.code, stderr: r.stderr }).toEqual({ f, code: 0, stderr: '' });
    }
  });

  it('check-peregrine documents its usage and exit codes in its header', () => {
    const header = read('keepalived/check-peregrine').split('\n').filter((l) => l.startsWith('#')).join('\n');
    expect(header).toMatch(/Usage: +check-peregrine \[-t SECONDS\] \[-q\] HOST \[PORT\]/);
    expect(header).toMatch(/#   0  healthy/);
    expect(header).toMatch(/#   1  anything else/);
  });

  it('notify logs VRRP and pool transitions (stdout, and --file), exit 0; 2 for a wrong command line', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-notify-'));
    try {
      const log = path.join(dir, 'notify.log');
      const notify = path.join(ROOT, 'keepalived/notify');
      const a = run(notify, ['--file', log, 'INSTANCE', 'VI_PEREGRINE', 'MASTER', '150'], { env: {} });
      expect(a.code).toBe(0);
      expect(a.stdout).toMatch(/^vrrp instance VI_PEREGRINE on \S+: now MASTER: holds the VIP \(priority 150\)\n$/);
      const b = run(notify, ['--file', log, 'POOL', '192.0.2.53:53/udp', 'DOWN'], { env: {} });
      expect(b.code).toBe(0);
      const lines = readFileSync(log, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z notice vrrp instance VI_PEREGRINE /);
      expect(lines[1]).toMatch(/ err pool 192\.0\.2\.53:53\/udp on \S+: DOWN /);
      for (const state of ['BACKUP', 'FAULT', 'STOP']) expect(run(notify, ['GROUP', 'G', state, '100'], { env: {} }).code).toBe(0);
      expect(run(notify, [], { env: {} }).code).toBe(2);
      expect(run(notify, ['POOL', 'x', 'SIDEWAYS'], { env: {} }).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('deploy/', () => {
  const unit = unitKeys(read('deploy/peregrine.service'));
  const yaml = readConfigFile(path.join(ROOT, 'deploy/peregrine.yaml'));

  it('peregrine.service: restart, file limit, port 53 as a non-root user, hardening, drain-aware stop, SIGHUP reload', () => {
    const get = (k: string) => unit.get(k)?.at(-1);
    expect(get('User')).toBe('peregrine');
    expect(get('Restart')).toBe('on-failure');
    expect(Number(get('LimitNOFILE'))).toBeGreaterThanOrEqual(65536);
    expect(get('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(get('CapabilityBoundingSet')).toBe('CAP_NET_BIND_SERVICE');
    for (const [k, v] of Object.entries({ NoNewPrivileges: 'yes', ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes' })) {
      expect(get(k), k).toBe(v);
    }
    expect(unit.has('MemoryDenyWriteExecute')).toBe(false); // V8's JIT
    expect(unit.has('PrivateUsers')).toBe(false); // would void CAP_NET_BIND_SERVICE
    expect(get('KillSignal')).toBe('SIGTERM');
    expect(get('ExecReload')).toBe('/bin/kill -HUP $MAINPID');
    expect(get('ExecStart')).toBe('/opt/peregrine/node_modules/.bin/node /opt/peregrine/bin/peregrine.js serve --config /etc/peregrine/peregrine.yaml');
    // systemd must not SIGKILL Peregrine during its drain (plus a few seconds to close).
    expect(seconds(get('TimeoutStopSec')!)).toBeGreaterThanOrEqual(yaml.drainSeconds! + 5);
  });

  it('peregrine.yaml validates, listens on the VIP and the real server\'s address (no wildcard), drains longer than keepalived takes to notice', () => {
    expect(yaml.listen).toEqual([
      { host: '192.0.2.53', port: 53, family: 4 },
      { host: '192.0.2.11', port: 53, family: 4 },
    ]);
    expect(yaml.zoneDirs).toEqual(['/var/lib/peregrine/zones']);
    expect(yaml.http).toEqual({ host: '127.0.0.1', port: 8080, family: 4 });
    // The VIP and the first real server of keepalived.conf.
    const vs = virtualServers(parse('dir1')).get('UDP')!;
    const vip = find(parse('dir1'), 'virtual_server')[0].words[1];
    expect(yaml.listen!.map((l) => l.host)).toEqual([vip, find(vs, 'real_server')[0].words[1]]);
    // A draining server fails the probe at once (SERVFAIL); keepalived removes it after its
    // next check plus the retry: delay_loop + retry x (delay_before_retry + one probe).
    const rs = one(find(vs, 'real_server')[0].block!, 'MISC_CHECK').block!;
    const removal = Number(value(vs, 'delay_loop')) + Number(value(rs, 'retry')) * (Number(value(rs, 'delay_before_retry')) + 0.1) + 0.1;
    expect(removal).toBeLessThan(4);
    expect(yaml.drainSeconds).toBeGreaterThanOrEqual(removal * 2);
  });

  it('99-peregrine.conf sets UDP buffers the kernel knows, defaults within maxima', () => {
    const settings = new Map<string, number>();
    for (const line of read('deploy/99-peregrine.conf').split('\n')) {
      const m = /^([a-z0-9_.]+)\s*=\s*(\d+)\s*$/.exec(line);
      if (m) settings.set(m[1], Number(m[2]));
    }
    expect([...settings.keys()].sort()).toEqual(['net.core.netdev_max_backlog', 'net.core.rmem_default', 'net.core.rmem_max', 'net.core.wmem_default', 'net.core.wmem_max']);
    for (const key of settings.keys()) {
      // Every key names a real kernel setting (readable in the initial network namespace).
      expect(statSync(`/proc/sys/${key.replaceAll('.', '/')}`).isFile(), key).toBe(true);
    }
    expect(settings.get('net.core.rmem_default')!).toBeLessThanOrEqual(settings.get('net.core.rmem_max')!);
    expect(settings.get('net.core.wmem_default')!).toBeLessThanOrEqual(settings.get('net.core.wmem_max')!);
    expect(settings.get('net.core.rmem_default')!).toBeGreaterThanOrEqual(4 * 1024 * 1024);
  });

  const analyze = which('systemd-analyze');
  it('the units pass systemd-analyze verify', (ctx) => {
    if (!analyze) ctx.skip('systemd-analyze is not installed (package systemd)');
    // verify checks that ExecStart= programs exist: point /opt/peregrine at this checkout.
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-units-'));
    try {
      for (const f of ['peregrine.service', 'peregrine-vip@.service']) {
        writeFileSync(path.join(dir, f), read(`deploy/${f}`).replaceAll('/opt/peregrine', ROOT));
      }
      for (const f of ['peregrine.service', 'peregrine-vip@192.0.2.53.service']) {
        const r = run(analyze!, ['verify', path.join(dir, f)]);
        expect({ f, code: r.code, stderr: r.stderr.trim() }).toEqual({ f, code: 0, stderr: '' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('README has the "Deployment behind LVS" section, using the shipped files', () => {
    const readme = read('README.md');
    const start = readme.indexOf('## Deployment behind LVS');
    expect(start).toBeGreaterThan(0);
    const next = readme.indexOf('\n## ', start + 1);
    const section = readme.slice(start, next < 0 ? undefined : next);
    for (const s of ['useradd --system', 'deploy/peregrine.service', 'deploy/99-peregrine.conf', 'realserver-vip', 'peregrine-vip@', 'keepalived -t', 'ipvsadm -Ln', 'check-peregrine']) {
      expect(section, s).toContain(s);
    }
  });
});
