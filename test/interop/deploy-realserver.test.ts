// The real-server side of LVS direct routing, with the shipped deploy/ files (needs root):
// a "real server" and a "client" network namespace made here, one veth between them on
// 192.0.2.0/24 (inside those namespaces only). The director's part of DR is played by hand: a
// static ARP entry on the client sends packets for the VIP to the real server's MAC address,
// which is all IPVS in DR mode does. Checks:
//  - deploy/realserver-vip up/down/status: VIP on lo as /32, arp_ignore=1 and arp_announce=2
//    (all, lo), idempotent, exit codes;
//  - without those ARP settings the real server answers ARP for the VIP (the problem), with
//    them it does not;
//  - Peregrine started as deploy/peregrine.service starts it (non-root user with only the
//    ambient CAP_NET_BIND_SERVICE, deploy/peregrine.yaml) binds port 53 on the VIP and on its
//    own address; without the capability it cannot;
//  - keepalived's probe (check-peregrine) passes against the real server's own address, and
//    a client's query "forwarded" to the VIP is answered from the VIP, over UDP and TCP.
// It needs root and network namespaces; without them it fails, saying why (unlike the VRRP
// test, which is skipped if `ip netns add` itself is refused, as issue 6 allows for that one).

import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetnsLab, NetnsRefused, waitUntil, which } from '../deploy/helpers/netns.ts';

const ROOT = path.resolve('.');
const VIP_SCRIPT = path.join(ROOT, 'deploy/realserver-vip');
const CHECK = path.join(ROOT, 'keepalived/check-peregrine');
const NODE = process.execPath;
const DNS_ASK = path.join(ROOT, 'test/deploy/helpers/dns-ask.ts');
// As in deploy/peregrine.yaml and keepalived/keepalived.conf.
const VIP = '192.0.2.53';
const RIP = '192.0.2.11';
const CLIENT = '192.0.2.100';

describe('DR real server: realserver-vip, ARP, Peregrine on the VIP without root', () => {
  const lab = new NetnsLab('rs');
  let rs = '';
  let client = '';
  const tmp = mkdtempSync(path.join(tmpdir(), 'peregrine-realserver-'));
  chmodSync(tmp, 0o755);
  const timings: string[] = [];

  beforeAll(() => {
    try {
      rs = lab.add('rs');
      client = lab.add('c');
    } catch (err) {
      if (err instanceof NetnsRefused) {
        throw new Error(`the real-server test needs root and network namespaces (it runs in .ci/run as root): ${err.message}`);
      }
      throw err;
    }
    lab.ip(rs, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client);
    lab.ip(rs, 'addr', 'add', `${RIP}/24`, 'dev', 'eth0');
    lab.ip(client, 'addr', 'add', `${CLIENT}/24`, 'dev', 'eth0');
    lab.ip(rs, 'link', 'set', 'eth0', 'up');
    lab.ip(client, 'link', 'set', 'eth0', 'up');
  });

  afterAll(async () => {
    const problems = await lab.cleanup();
    rmSync(tmp, { recursive: true, force: true });
    if (timings.length) console.log(`real server timings:\n  ${timings.join('\n  ')}`);
    expect(problems).toEqual([]);
  });

  const vipScript = (...args: string[]) => lab.exec(rs, VIP_SCRIPT, args, { env: {} });
  const sysctl = (key: string) => lab.exec(rs, 'cat', [`/proc/sys/net/ipv4/conf/${key}`]).stdout.trim();
  const loAddresses = () => lab.addresses(rs, 'lo');

  /** Send one query to the VIP from the client (it ARPs for it), then read the client's ARP entry. */
  async function clientArpForVip(): Promise<string> {
    lab.ip(client, 'neigh', 'flush', 'dev', 'eth0');
    await lab.execAsync(client, NODE, [DNS_ASK, VIP, '53', 'id.server', 'TXT', 'CH', '--timeout', '300']);
    return lab.ip(client, 'neigh', 'show', VIP, 'dev', 'eth0').trim();
  }

  it('puts the VIP on lo with the ARP settings, idempotently; answers from the VIP; removes it', async () => {
    const rsMac = lab.mac(rs, 'eth0');

    // Nothing set up yet: status says so.
    expect(vipScript('status', VIP).code).toBe(1);

    // The problem realserver-vip solves: a VIP on lo with the kernel's default ARP behaviour is
    // announced on eth0, so the router would bypass the director.
    lab.ip(rs, 'addr', 'add', `${VIP}/32`, 'dev', 'lo');
    expect(await clientArpForVip()).toContain(`lladdr ${rsMac}`);
    lab.ip(rs, 'addr', 'del', `${VIP}/32`, 'dev', 'lo');

    // up: ARP settings, then the VIP; a second run changes nothing; status confirms.
    const up = vipScript('up', VIP);
    expect(up, up.stderr).toMatchObject({ code: 0 });
    expect(up.stdout).toContain(`${VIP}/32 added to lo`);
    expect([sysctl('all/arp_ignore'), sysctl('lo/arp_ignore'), sysctl('all/arp_announce'), sysctl('lo/arp_announce')]).toEqual(['1', '1', '2', '2']);
    const again = vipScript('up', VIP);
    expect(again).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toBe(`realserver-vip: ${VIP}/32 already on lo\n`);
    expect(loAddresses()).toEqual(['127.0.0.1/8', `${VIP}/32`]);
    const status = vipScript('status', VIP);
    expect(status.code, status.stdout).toBe(0);
    expect(status.stdout).toContain(`VIP ${VIP}: on lo`);

    // Now the real server keeps quiet when the client asks who has the VIP.
    expect(await clientArpForVip()).not.toContain('lladdr');

    // Peregrine as the systemd unit runs it: user nobody, only CAP_NET_BIND_SERVICE (ambient),
    // with deploy/peregrine.yaml (zones from examples/, drain shortened for the test).
    const yaml = readFileSync(path.join(ROOT, 'deploy/peregrine.yaml'), 'utf8').replace('zone-dir: /var/lib/peregrine/zones', `zone-dir: ${path.join(ROOT, 'examples')}`);
    expect(yaml).toContain(`zone-dir: ${path.join(ROOT, 'examples')}`);
    const config = path.join(tmp, 'peregrine.yaml');
    writeFileSync(config, yaml);
    chmodSync(config, 0o644);
    const setpriv = which('setpriv');
    expect(setpriv, 'setpriv (util-linux) is needed to run Peregrine as a non-root user').not.toBeNull();
    const serve = [NODE, path.join(ROOT, 'bin/peregrine.js'), 'serve', '--config', config, '--drain', '0.5', '--workers', '1'];
    const asNobody = [setpriv!, '--reuid=nobody', '--regid=nogroup', '--clear-groups', '--no-new-privs'];

    // Without the capability: port 53 is refused, Peregrine exits 1.
    const denied = lab.spawn(rs, asNobody[0], [...asNobody.slice(1), ...serve]);
    const deniedExit = await denied.exited;
    expect({ code: deniedExit.code, eacces: /EACCES|permission denied/i.test(denied.output()) }).toEqual({ code: 1, eacces: true });

    // With it, as the unit grants it (AmbientCapabilities=CAP_NET_BIND_SERVICE).
    const started = performance.now();
    const server = lab.spawn(rs, asNobody[0], [...asNobody.slice(1), '--inh-caps=+net_bind_service', '--ambient-caps=+net_bind_service', ...serve]);
    await waitUntil('Peregrine serving on the real server', () => {
      if (!server.running()) throw new Error(`Peregrine exited:\n${server.output()}`);
      return lab.exec(client, CHECK, ['-q', '-t', '0.3', RIP], { env: {} }).code === 0;
    }, 15_000, 100);
    timings.push(`Peregrine (non-root, CAP_NET_BIND_SERVICE) serving after ${(performance.now() - started).toFixed(0)} ms`);
    const pid = server.child.pid!;
    const user = lab.exec(rs, 'ps', ['-o', 'user=', '-p', String(pid)]).stdout.trim();
    expect(user).toBe('nobody');

    // keepalived's health check from the "director" side: the real server's own address.
    const check = await lab.execAsync(client, CHECK, [RIP, '53'], { env: {} });
    timings.push(`check-peregrine ${RIP} 53 from the client namespace: exit ${check.code} in ${check.ms.toFixed(0)} ms`);
    expect(check.code, check.stderr).toBe(0);

    // What the director does in DR mode: deliver the VIP's packets to the real server's MAC.
    lab.ip(client, 'neigh', 'replace', VIP, 'lladdr', rsMac, 'dev', 'eth0', 'nud', 'permanent');
    // The probe's socket is connected to VIP:53, so exit 0 means the answer came from the VIP.
    const viaVip = await lab.execAsync(client, CHECK, [VIP, '53'], { env: {} });
    expect(viaVip.code, viaVip.stderr).toBe(0);
    for (const transport of [[], ['--tcp']]) {
      const r = await lab.execAsync(client, NODE, [DNS_ASK, VIP, '53', 'localhost', 'A', 'IN', ...transport]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ rcode: 'NOERROR', answers: 1, from: `${VIP}:53` });
    }

    // down: the VIP goes (the ARP settings stay), idempotently; status says it is missing.
    const down = vipScript('down', VIP);
    expect(down).toMatchObject({ code: 0, stdout: `realserver-vip: ${VIP}/32 removed from lo\n` });
    expect(vipScript('down', VIP)).toMatchObject({ code: 0, stdout: `realserver-vip: ${VIP}/32 not on lo\n` });
    expect(loAddresses()).toEqual(['127.0.0.1/8']);
    expect(sysctl('all/arp_ignore')).toBe('1');
    expect(vipScript('status', VIP).code).toBe(1);
    // And the VIP no longer reaches Peregrine on this host.
    expect((await lab.execAsync(client, CHECK, ['-t', '0.3', VIP, '53'], { env: {} })).code).toBe(1);

    // Bad input: not an address, a prefix, no command.
    expect(vipScript('up', 'example.net').code).toBe(1);
    expect(vipScript('up', `${VIP}/24`).code).toBe(1);
    expect(vipScript().code).toBe(2);
  });
});
