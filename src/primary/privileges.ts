// `--user NAME [--group NAME]`: started as root, the process drops to an unprivileged user once
// every worker has bound its sockets. On Linux (glibc), setuid/setgid from any thread apply to
// every thread of the process, workers included, so one call in the primary covers them all.

import { readFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import type { ListenAddress } from '../config/serve-options.ts';
import type { Logger } from './log.ts';

export interface Identity {
  user: string;
  uid: number;
  group: string;
  gid: number;
}

/** The system calls used, replaceable in tests. */
export interface PrivilegeCalls {
  getuid(): number;
  setgroups(groups: number[]): void;
  setgid(gid: number): void;
  setuid(uid: number): void;
  /** /etc/passwd and /etc/group as text. */
  passwd(): string;
  groups(): string;
}

const processCalls: PrivilegeCalls = {
  getuid: () => process.getuid?.() ?? -1,
  setgroups: (groups) => process.setgroups?.(groups),
  setgid: (gid) => process.setgid?.(gid),
  setuid: (uid) => process.setuid?.(uid),
  passwd: () => readFileSync('/etc/passwd', 'utf8'),
  groups: () => readFileSync('/etc/group', 'utf8'),
};

/**
 * Check before anything is bound that the drop can happen: running as root, the user (and the
 * group, default the user's primary group) exist. Throws ConfigError (exit 2) otherwise.
 */
export function resolveIdentity(user: string, group: string | null, calls: PrivilegeCalls = processCalls): Identity {
  const uid = calls.getuid();
  if (uid !== 0) {
    throw new ConfigError(`--user ${user}: only root can change user (running as uid ${uid}); start as root, or run as ${user} directly with CAP_NET_BIND_SERVICE for port 53 (deploy/peregrine.service)`);
  }
  const entry = findEntry(calls.passwd(), user);
  if (entry === null) throw new ConfigError(`--user ${user}: no such user in /etc/passwd`);
  const userId = Number(entry[2]);
  let gid = Number(entry[3]);
  let groupName = findGroupName(calls.groups(), gid) ?? String(gid);
  if (group !== null) {
    const g = findEntry(calls.groups(), group);
    if (g === null) throw new ConfigError(`--group ${group}: no such group in /etc/group`);
    gid = Number(g[2]);
    groupName = group;
  }
  if (userId === 0) throw new ConfigError(`--user ${user}: that is root (uid 0), nothing would be dropped`);
  return { user, uid: userId, group: groupName, gid };
}

/**
 * Drop to `id`: supplementary groups (root's are dropped; only the group remains), group, then
 * user — in that order, since without root the groups could no longer be changed. Throws if the
 * process is not that user afterwards.
 */
export function dropPrivileges(id: Identity, calls: PrivilegeCalls = processCalls): void {
  calls.setgroups([id.gid]);
  calls.setgid(id.gid);
  calls.setuid(id.uid);
  if (calls.getuid() !== id.uid) throw new Error(`still uid ${calls.getuid()} after setuid(${id.uid})`);
}

/**
 * Ports below the kernel's unprivileged port start: binding them needs CAP_NET_BIND_SERVICE,
 * which setuid takes away. For the warning.
 */
export function privilegedPorts(listen: ListenAddress[], readStart: () => string = () => readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8')): number[] {
  let start = 1024;
  try {
    start = Number(readStart().trim());
  } catch {
    // Not Linux, or /proc not mounted: the classic limit.
  }
  return [...new Set(listen.filter((a) => a.port < start).map((a) => a.port))];
}

/**
 * Drop, and say so — and what it costs — in the log. A worker restarted after a crash binds its
 * sockets again, now as the new user, and Linux only lets sockets of one effective uid share an
 * SO_REUSEPORT port: while the other workers hold theirs (bound as root), the restarted worker
 * gets EADDRINUSE and keeps failing (with back-off) while the others serve. Ports below 1024
 * would fail anyway (no CAP_NET_BIND_SERVICE after setuid). Running as the user from the start
 * with the capability (systemd, deploy/peregrine.service) has neither problem.
 */
export function dropAndLog(id: Identity, listen: ListenAddress[], log: Logger, calls: PrivilegeCalls = processCalls): void {
  dropPrivileges(id, calls);
  log.info(
    { event: 'privileges_dropped', user: id.user, uid: id.uid, group: id.group, gid: id.gid },
    `running as ${id.user}:${id.group} (uid ${id.uid}, gid ${id.gid}) now that every socket is bound`,
  );
  const ports = privilegedPorts(listen);
  log.warn(
    { event: 'restart_after_drop', code: 'PGN_WARN_RESTART_NEEDS_PRIVILEGE', privilegedPorts: ports },
    `after --user, a worker that crashes cannot be restarted: its new sockets (owned by ${id.user}) cannot join ` +
      'the SO_REUSEPORT group the other workers bound as root (EADDRINUSE)' +
      (ports.length > 0 ? `, and port(s) ${ports.join(', ')} need CAP_NET_BIND_SERVICE` : '') +
      '; the other workers keep serving. To have crashed workers restarted, run as the user from the start with ' +
      'CAP_NET_BIND_SERVICE (systemd User= and AmbientCapabilities=, deploy/peregrine.service) instead of --user',
  );
}

function findEntry(text: string, name: string): string[] | null {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 3) return fields;
  }
  return null;
}

function findGroupName(text: string, gid: number): string | null {
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length >= 3 && Number(fields[2]) === gid && fields[2] !== '') return fields[0];
  }
  return null;
}
