// One Peregrine per DNS address. Workers bind with SO_REUSEPORT so they can share an address; the
// kernel would let a second Peregrine join that group too and split the traffic between two
// servers with different zones. So `serve` first takes a lock per --listen address: an abstract
// Unix socket named `\0peregrine:HOST:PORT` (Linux), held for the process's life and released by
// the kernel when it dies however it dies (a crash never blocks a restart; no file to clean up).
// Whoever connects to it is told the holder's pid, so the refusal can name the other process.
// A wildcard address (0.0.0.0, ::) overlaps every address of its port: each side checks the other.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { PeregrineError } from '../errors.ts';
import { formatAddress, type ListenAddress } from '../config/serve-options.ts';

export class AddressInUseError extends PeregrineError {
  readonly pid: number | null;
  constructor(address: string, pid: number | null, held: string) {
    super(
      'PGN_ERR_ADDRESS_IN_USE',
      `${address}: another Peregrine${pid === null ? '' : ` (pid ${pid})`} already serves ${held}; ` +
        'stop it first (two servers on one address would split its queries between them)',
    );
    this.pid = pid;
  }
}

export interface AddressLocks {
  release(): void;
}

const PREFIX = 'peregrine:';

function lockName(a: ListenAddress): string {
  return `${PREFIX}${formatAddress(a)}`;
}

function isWildcard(a: ListenAddress): boolean {
  return a.host === '0.0.0.0' || a.host === '::';
}

/** Take the lock of every address, or none: throws AddressInUseError naming the holder. */
export async function lockAddresses(listen: readonly ListenAddress[]): Promise<AddressLocks> {
  const held: net.Server[] = [];
  const release = (): void => {
    for (const s of held.splice(0)) s.close();
  };
  try {
    for (const a of listen) {
      for (const other of overlapping(a)) {
        const pid = await holderPid(other);
        if (pid !== undefined) throw new AddressInUseError(formatAddress(a), pid, other.slice(PREFIX.length));
      }
      held.push(await listenLock(a));
    }
  } catch (err) {
    release();
    throw err;
  }
  return { release };
}

/** Locks (names) held by others that cover the same address: the wildcard of its port, or, for a wildcard, every lock of its port. */
function overlapping(a: ListenAddress): string[] {
  if (!isWildcard(a)) return [lockName({ ...a, host: a.family === 6 ? '::' : '0.0.0.0' })];
  const suffix = `:${a.port}`;
  return abstractSockets().filter((n) => n.startsWith(PREFIX) && n.endsWith(suffix) && n !== lockName(a));
}

/** Names of the abstract Unix sockets listening now (from /proc/net/unix; empty where there is none). */
function abstractSockets(): string[] {
  try {
    return readFileSync('/proc/net/unix', 'utf8')
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[7] ?? '')
      .filter((p) => p.startsWith('@'))
      .map((p) => p.slice(1));
  } catch {
    return [];
  }
}

function listenLock(a: ListenAddress): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.end(`${process.pid}\n`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EADDRINUSE') {
        reject(err);
        return;
      }
      void holderPid(lockName(a)).then((pid) => reject(new AddressInUseError(formatAddress(a), pid ?? null, formatAddress(a))));
    });
    server.listen({ path: `\0${lockName(a)}` }, () => {
      // The lock must never keep the process alive on its own.
      server.unref();
      resolve(server);
    });
  });
}

/** The pid of the process holding lock `name`: undefined if nobody holds it, null if it does not say. */
function holderPid(name: string): Promise<number | null | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: `\0${name}` });
    let text = '';
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(err.code === 'ECONNREFUSED' || err.code === 'ENOENT' ? undefined : null);
    });
    socket.on('close', (hadError) => {
      clearTimeout(timer);
      if (hadError) return;
      const pid = Number.parseInt(text, 10);
      resolve(Number.isInteger(pid) && pid > 0 ? pid : null);
    });
  });
}
