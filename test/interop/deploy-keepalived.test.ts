// keepalived with the shipped keepalived/keepalived.conf (needs root and keepalived):
//  1. `keepalived -t` accepts it (and rejects broken copies, so the check means something);
//  2. VRRP failover: two keepalived "directors" and a client in network namespaces made here,
//     joined by a bridge on 192.0.2.0/24 that exists only inside them. The shipped vrrp_instance
//     runs unchanged (director 1 with -i dir1, director 2 with -i dir2); only the scripts' path
//     and a log file for the notify script are set. Each director also runs Peregrine on the
//     VIP (ip_nonlocal_bind), so the client's queries to the VIP show who holds it.
//     The VIP must be on the MASTER, move to the BACKUP within 10 s when the MASTER stops
//     (cleanly, and by a crash), and come back when it returns (preemption).
// If `ip netns add` itself is refused, the failover test is skipped and says why; any other
// failure (no keepalived, no veth, no bridge) fails it.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab, NetnsRefused, run, waitUntil, which, type Spawned } from '../deploy/helpers/netns.ts';

const ROOT = path.resolve('.');
const SHIPPED = path.join(ROOT, 'keepalived/keepalived.conf');
const SCRIPTS = path.join(ROOT, 'keepalived');
const NODE = process.execPath;
const DNS_ASK = path.join(ROOT, 'test/deploy/helpers/dns-ask.ts');
const VIP = '192.0.2.53';
const FAILOVER_BOUND_MS = 10_000;

const keepalived = which('keepalived');
const tmp = mkdtempSync(path.join(tmpdir(), 'peregrine-keepalived-'));
chmodSync(tmp, 0o755);

const timings: string[] = [];
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
  if (timings.length) console.log(`keepalived timings:\n  ${timings.join('\n  ')}`);
});

function requireKeepalived(): string {
  if (!keepalived) throw new Error('keepalived is not installed (apt-get install keepalived): the deployment tests need it');
  return keepalived;
}

/** `keepalived -t` on FILE: in this namespace if it has eth0 (the shipped interface), else in a
 * throwaway namespace with an eth0 (a veth end; the check is about the file, not this host's NICs). */
async function configTest(file: string): Promise<{ code: number | null; stderr: string; where: string }> {
  const bin = requireKeepalived();
  if (existsSync('/sys/class/net/eth0')) {
    const r = run(bin, ['-t', '-f', file]);
    return { code: r.code, stderr: r.stderr.trim(), where: 'host' };
  }
  const lab = new NetnsLab('kt');
  try {
    const ns = lab.add('t');
    lab.ip(ns, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0-peer');
    lab.ip(ns, 'link', 'set', 'eth0', 'up');
    const r = lab.exec(ns, bin, ['-t', '-f', file]);
    return { code: r.code, stderr: r.stderr.trim(), where: 'a network namespace with an eth0 (this host has none)' };
  } finally {
    await lab.cleanup();
  }
}

describe('keepalived -t', () => {
  it('accepts the shipped keepalived.conf (exit 0, nothing printed)', async () => {
    const r = await configTest(SHIPPED);
    timings.push(`keepalived -t ran in: ${r.where}`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
  });

  it('rejects broken copies: an unknown keyword, "persistence_timeout 0", a missing brace', async () => {
    const shipped = readFileSync(SHIPPED, 'utf8').replace('$SCRIPTS=${_PWD}', `$SCRIPTS=${SCRIPTS}`);
    const variants: Array<[string, string]> = [
      ['unknown keyword', shipped.replace('    lb_algo wrr\n', '    lb_algo wrr\n    lb_algorithm wrr\n')],
      ['persistence_timeout 0', shipped.replace('    lb_algo wrr\n', '    lb_algo wrr\n    persistence_timeout 0\n')],
      ['missing brace', shipped.replace(/real_server 192\.0\.2\.12 53 \{/, 'real_server 192.0.2.12 53')],
    ];
    for (const [label, text] of variants) {
      expect(text, label).not.toBe(shipped);
      const file = path.join(tmp, `broken-${label.replace(/\W+/g, '-')}.conf`);
      writeFileSync(file, text);
      const r = await configTest(file);
      expect({ label, failed: r.code !== 0 }).toEqual({ label, failed: true });
    }
  });
});

describe('VRRP failover between two directors (network namespaces)', () => {
  const lab = new NetnsLab('vrrp');
  let skipReason: string | null = null;
  let ns: { d1: string; d2: string; c: string };
  const keepaliveds: Record<'dir1' | 'dir2', Spawned | null> = { dir1: null, dir2: null };
  let config = '';

  beforeAll(() => {
    try {
      ns = { d1: lab.add('d1'), d2: lab.add('d2'), c: lab.add('c') };
    } catch (err) {
      if (err instanceof NetnsRefused) {
        skipReason = `this machine refuses network namespaces, so two keepalived instances cannot be run apart: ${err.message}`;
        // The default reporter does not print skip notes: say it here too.
        console.warn(`SKIPPED: VRRP failover test: ${skipReason}`);
        return;
      }
      throw err;
    }
    // The segment: a bridge in the client's namespace, one veth to each director's "eth0".
    lab.ip(ns.c, 'link', 'add', 'br0', 'type', 'bridge');
    lab.ip(ns.c, 'link', 'set', 'br0', 'up');
    lab.ip(ns.c, 'addr', 'add', '192.0.2.100/24', 'dev', 'br0');
    for (const [d, addr] of [['d1', '192.0.2.2/24'], ['d2', '192.0.2.3/24']] as const) {
      lab.ip(ns[d], 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', d, 'netns', ns.c);
      lab.ip(ns.c, 'link', 'set', d, 'master', 'br0');
      lab.ip(ns.c, 'link', 'set', d, 'up');
      lab.ip(ns[d], 'addr', 'add', addr, 'dev', 'eth0');
      lab.ip(ns[d], 'link', 'set', 'eth0', 'up');
      // Peregrine on the VIP before the VIP exists (it arrives with VRRP).
      const r = lab.exec(ns[d], 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_nonlocal_bind']);
      if (r.code !== 0) throw new Error(`ip_nonlocal_bind in ${ns[d]}: ${r.stderr}`);
    }

    // The shipped file, with the scripts' directory (the copy lives elsewhere) and a log file
    // per director for the notify script. Nothing else changes.
    const shipped = readFileSync(SHIPPED, 'utf8');
    config = shipped
      .replace('$SCRIPTS=${_PWD}', `$SCRIPTS=${SCRIPTS}`)
      .replace('notify "${SCRIPTS}/notify"', `notify "\${SCRIPTS}/notify --file ${tmp}/\${_INSTANCE}.notify.log"`);
    expect(config.split('\n').filter((l, i) => l !== shipped.split('\n')[i])).toHaveLength(2);
    writeFileSync(path.join(tmp, 'keepalived.conf'), config);
  });

  afterAll(async () => {
    const problems = await lab.cleanup();
    expect(problems).toEqual([]);
  });

  function startKeepalived(id: 'dir1' | 'dir2'): Spawned {
    const d = id === 'dir1' ? ns.d1 : ns.d2;
    const p = lab.spawn(d, requireKeepalived(), [
      '--dont-fork', '--vrrp', '--log-console', '--log-detail', '--no-syslog',
      '-i', id,
      '-f', path.join(tmp, 'keepalived.conf'),
      '-p', path.join(tmp, `${id}.pid`),
      '-r', path.join(tmp, `${id}.vrrp.pid`),
      '-c', path.join(tmp, `${id}.checkers.pid`),
    ]);
    keepaliveds[id] = p;
    return p;
  }

  const hasVip = (d: string) => lab.addresses(d, 'eth0').includes(`${VIP}/32`);

  /** Which director's Peregrine answers the client at the VIP (CH TXT id.server.), or null. */
  async function whoAnswers(): Promise<string | null> {
    const r = await lab.execAsync(ns.c, NODE, [DNS_ASK, VIP, '53', 'id.server', 'TXT', 'CH', '--timeout', '400']);
    if (r.code !== 0) return null;
    const res = JSON.parse(r.stdout) as { txt: string[]; from: string };
    return res.from === `${VIP}:53` ? res.txt[0] : null;
  }

  /** Wait for the VIP on `to` and for the client's queries to reach it; `otherIsDead`: the other
   * director is gone (link down), whatever its interface still carries. */
  async function vipMovesTo(label: string, to: 'd1' | 'd2', started: number, otherIsDead = false): Promise<void> {
    const other = to === 'd1' ? 'd2' : 'd1';
    const target = ns[to];
    const describeState = () =>
      `d1 ${lab.addresses(ns.d1, 'eth0').join(',')} | d2 ${lab.addresses(ns.d2, 'eth0').join(',')}\n` +
      `dir1:\n${keepaliveds.dir1?.output().slice(-3000)}\ndir2:\n${keepaliveds.dir2?.output().slice(-3000)}`;
    try {
      await waitUntil(`VIP on ${to}`, () => hasVip(target), FAILOVER_BOUND_MS);
    } catch (err) {
      throw new Error(`${label}: ${(err as Error).message}\n${describeState()}`);
    }
    const vipMs = performance.now() - started;
    const identity = to === 'd1' ? 'dir1' : 'dir2';
    await waitUntil(`the client's queries to the VIP answered by ${identity}`, async () => (await whoAnswers()) === identity, FAILOVER_BOUND_MS - vipMs + 2000, 50);
    const serviceMs = performance.now() - started;
    if (!otherIsDead) expect(hasVip(ns[other]), `${label}: VIP still on ${other} too`).toBe(false);
    timings.push(`${label}: VIP on ${to} after ${vipMs.toFixed(0)} ms, client answered by ${identity} after ${serviceMs.toFixed(0)} ms`);
    expect(vipMs).toBeLessThan(FAILOVER_BOUND_MS);
  }

  it('moves the VIP from the MASTER to the BACKUP when the MASTER stops, and back', async (ctx) => {
    if (skipReason) ctx.skip(skipReason);

    // Peregrine in each director, answering id.server. with the director's name.
    for (const [d, id] of [['d1', 'dir1'], ['d2', 'dir2']] as const) {
      lab.spawn(ns[d], NODE, [
        path.join(ROOT, 'bin/peregrine.js'), 'serve',
        '--zone', path.join(ROOT, 'examples/localhost.zone'),
        '--listen', `${VIP}:53`, '--listen', '127.0.0.1:53',
        '--http', '127.0.0.1:8080', '--workers', '1', '--drain', '0', '--identity', id,
      ]);
      await waitUntil(`Peregrine serving in ${d}`, () => lab.exec(ns[d], path.join(SCRIPTS, 'check-peregrine'), ['-q', '127.0.0.1']).code === 0, 15_000, 100);
    }

    // Both directors start; director 1 (priority 150) must end up MASTER.
    const t0 = performance.now();
    startKeepalived('dir1');
    startKeepalived('dir2');
    await vipMovesTo('start', 'd1', t0);

    // The MASTER stops cleanly (systemctl stop keepalived): it releases the VIP and sends a
    // priority-0 advert, so the BACKUP takes over without waiting for the down timer.
    const t1 = performance.now();
    await lab.stop(keepaliveds.dir1!, 'SIGTERM');
    await vipMovesTo('MASTER stopped (SIGTERM)', 'd2', t1);

    // Director 1 comes back: higher priority, so it takes the VIP back (preemption).
    const t2 = performance.now();
    startKeepalived('dir1');
    await vipMovesTo('MASTER back (preemption)', 'd1', t2);

    // Director 1 dies: keepalived is killed outright, sending nothing (parent frozen so it cannot
    // respawn its VRRP child, child SIGKILLed, parent SIGKILLed), and its link goes away. The
    // BACKUP takes over after 3 missed adverts plus its skew (3 + (256 - 100) / 256 = ~3.6 s).
    const t3 = performance.now();
    const parent = keepaliveds.dir1!.child.pid!;
    const vrrpChild = Number(readFileSync(path.join(tmp, 'dir1.vrrp.pid'), 'utf8').trim());
    process.kill(parent, 'SIGSTOP');
    process.kill(vrrpChild, 'SIGKILL');
    await lab.stop(keepaliveds.dir1!, 'SIGKILL');
    lab.ip(ns.d1, 'link', 'set', 'eth0', 'down');
    await vipMovesTo('MASTER crashed (SIGKILL, link down)', 'd2', t3, true);

    // The notify script logged each transition on each director.
    const states = (id: string) =>
      readFileSync(path.join(tmp, `${id}.notify.log`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => /: (now MASTER|now BACKUP|STOP|FAULT)/.exec(l)?.[1]);
    expect(states('dir1')).toEqual(['now BACKUP', 'now MASTER', 'STOP', 'now BACKUP', 'now MASTER']);
    expect(states('dir2')).toEqual(['now BACKUP', 'now MASTER', 'now BACKUP', 'now MASTER']);
    expect(readFileSync(path.join(tmp, 'dir1.notify.log'), 'utf8')).toMatch(/notice vrrp instance VI_PEREGRINE on \S+: now MASTER: holds the VIP \(priority 150\)/);
  });
});
