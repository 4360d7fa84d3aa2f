// `peregrine serve --user nobody`, started as root: every thread runs as nobody once the sockets
// are bound, and it still answers over UDP and TCP. (The suite runs as root; elsewhere the
// test says so and fails, as a missing tool would.)
import { readFileSync, readdirSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, query, startServer, startServing, stopServers, tcpQuery, udpQuery, waitFor } from './serve-harness.ts';

afterEach(stopServers);

/** Real, effective, saved and filesystem ids from /proc/PID[/task/TID]/status. */
function ids(statusFile: string): { uid: number[]; gid: number[]; groups: string } {
  const text = readFileSync(statusFile, 'utf8');
  const line = (key: string) => text.match(new RegExp(`^${key}:\\s*(.*)$`, 'm'))?.[1] ?? '';
  return { uid: line('Uid').split(/\s+/).map(Number), gid: line('Gid').split(/\s+/).map(Number), groups: line('Groups').trim() };
}

describe('peregrine serve --user', () => {
  it('drops every thread to nobody:nogroup after binding, and keeps answering', async () => {
    expect(process.getuid?.(), 'this test must run as root (it checks the drop from root)').toBe(0);
    const { s, dnsPort } = await startServing([
      '--zone', 'examples/shop.example.zone',
      '--workers', '2',
      '--user', 'nobody',
    ], { env: { PEREGRINE_TEST_HOOKS: '1' } });
    const pid = s.child.pid!;
    expect(ids(`/proc/${pid}/status`)).toEqual({ uid: [65534, 65534, 65534, 65534], gid: [65534, 65534, 65534, 65534], groups: '65534' });
    // Every thread: the primary's, the workers', libuv's and V8's.
    const tasks = readdirSync(`/proc/${pid}/task`);
    expect(tasks.length).toBeGreaterThan(3);
    for (const tid of tasks) expect(ids(`/proc/${pid}/task/${tid}/status`).uid, `thread ${tid}`).toEqual([65534, 65534, 65534, 65534]);
    expect(s.logs.find((l) => l.event === 'privileges_dropped')).toMatchObject({ user: 'nobody', uid: 65534, group: 'nogroup', gid: 65534 });
    // The cost of --user is logged: a worker restarted later cannot bind (high port: no capability needed).
    expect(s.logs.find((l) => l.event === 'restart_after_drop')).toMatchObject({ code: 'PGN_WARN_RESTART_NEEDS_PRIVILEGE', privilegedPorts: [] });

    const udp = await udpQuery(dnsPort, query('shop.example', 'SOA', 1));
    expect(udp.answers?.map((a) => a.type)).toEqual(['SOA']);
    const tcp = await tcpQuery(dnsPort, query('shop.example', 'SOA', 2));
    expect(tcp.answers?.map((a) => a.type)).toEqual(['SOA']);

    // As the warning says: a worker that dies after the drop cannot bind again (Linux lets only
    // sockets of one effective uid share a SO_REUSEPORT port, and worker 1's was bound as root),
    // and the server keeps answering with the other worker.
    s.child.kill('SIGUSR2');
    await waitFor(
      () => s.logs.some((l) => l.event === 'worker_error' && l.code === 'PGN_ERR_LISTEN' && /EADDRINUSE/.test(String(l.msg))),
      'the restarted worker failing to bind', 10_000,
    );
    for (const tid of readdirSync(`/proc/${pid}/task`)) expect(ids(`/proc/${pid}/task/${tid}/status`).uid).toEqual([65534, 65534, 65534, 65534]);
    for (let id = 10; id < 30; id++) {
      expect((await udpQuery(dnsPort, query('shop.example', 'SOA', id))).answers?.map((a) => a.type)).toEqual(['SOA']);
    }
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('refuses --group without --user, and an unknown user, before binding anything (exit 2)', async () => {
    const dnsPort = await freePort();
    const noUser = startServer(['--zone', 'examples/shop.example.zone', '--listen', `127.0.0.1:${dnsPort}`, '--group', 'nogroup']);
    expect(await noUser.exited).toBe(2);
    expect(noUser.logs.map((l) => l.stderr ?? '').join('')).toMatch(/--group needs --user/);
    const ghost = startServer(['--zone', 'examples/shop.example.zone', '--listen', `127.0.0.1:${dnsPort}`, '--user', 'no-such-user-here']);
    expect(await ghost.exited).toBe(2);
    expect(ghost.logs.map((l) => l.stderr ?? '').join('')).toMatch(/--user no-such-user-here: no such user/);
  });
});
