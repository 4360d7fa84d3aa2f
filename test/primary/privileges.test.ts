// --user/--group: the checks made before anything is bound, and the order of the calls.
import { describe, expect, it } from 'vitest';
import { dropPrivileges, privilegedPorts, resolveIdentity, type PrivilegeCalls } from '../../src/primary/privileges.ts';

const PASSWD = 'root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\npgn:x:990:991::/nonexistent:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\nnogroup:x:65534:\npgn:x:991:\ndns:x:53:\n';

function fake(uid: number) {
  const calls: string[] = [];
  let current = uid;
  const api: PrivilegeCalls = {
    getuid: () => current,
    setgroups: (g) => void calls.push(`setgroups ${g.join(',')}`),
    setgid: (g) => void calls.push(`setgid ${g}`),
    setuid: (u) => {
      calls.push(`setuid ${u}`);
      current = u;
    },
    passwd: () => PASSWD,
    groups: () => GROUP,
  };
  return { api, calls };
}

describe('privilege drop', () => {
  it('resolves the user and its primary group, or the group given', () => {
    expect(resolveIdentity('pgn', null, fake(0).api)).toEqual({ user: 'pgn', uid: 990, group: 'pgn', gid: 991 });
    expect(resolveIdentity('nobody', null, fake(0).api)).toEqual({ user: 'nobody', uid: 65534, group: 'nogroup', gid: 65534 });
    expect(resolveIdentity('pgn', 'dns', fake(0).api)).toEqual({ user: 'pgn', uid: 990, group: 'dns', gid: 53 });
  });

  it('refuses when not root, for unknown users and groups, and for root itself', () => {
    expect(() => resolveIdentity('pgn', null, fake(1000).api)).toThrow(/only root can change user \(running as uid 1000\)/);
    expect(() => resolveIdentity('ghost', null, fake(0).api)).toThrow(/--user ghost: no such user/);
    expect(() => resolveIdentity('pgn', 'ghosts', fake(0).api)).toThrow(/--group ghosts: no such group/);
    expect(() => resolveIdentity('root', null, fake(0).api)).toThrow(/that is root/);
  });

  it('sets groups, then the group, then the user, and checks the result', () => {
    const { api, calls } = fake(0);
    dropPrivileges({ user: 'pgn', uid: 990, group: 'pgn', gid: 991 }, api);
    expect(calls).toEqual(['setgroups 991', 'setgid 991', 'setuid 990']);
    const stuck = fake(0);
    stuck.api.setuid = () => {};
    expect(() => dropPrivileges({ user: 'pgn', uid: 990, group: 'pgn', gid: 991 }, stuck.api)).toThrow(/still uid 0/);
  });

  it('names the listen ports a restarted worker could not bind any more', () => {
    const listen = [
      { host: '127.0.0.1', port: 53, family: 4 as const },
      { host: '::1', port: 53, family: 6 as const },
      { host: '127.0.0.1', port: 8053, family: 4 as const },
    ];
    expect(privilegedPorts(listen, () => '1024\n')).toEqual([53]);
    expect(privilegedPorts(listen, () => '0\n')).toEqual([]);
    expect(privilegedPorts(listen, () => { throw new Error('no /proc'); })).toEqual([53]);
  });
});
