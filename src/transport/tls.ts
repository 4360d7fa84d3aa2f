// DNS over TLS (RFC 7858, ALPN "dot") and zone transfers over it (XoT, RFC 9103): a TLS server on
// each --tls-listen address, in every worker, whose connections are the TCP transport's
// (src/transport/tcp.ts: same 2-byte framing, limits, counters and hand-off of transfers, NOTIFY
// and TSIG to the primary; counted as TCP). Credentials (PEM text read by the primary) are
// replaced in place on SIGHUP (setSecureContext): connections open keep their session, new ones
// get the new certificate.

import net from 'node:net';
import tls from 'node:tls';
import type { ListenAddress, TcpOptions } from '../config/serve-options.ts';
import type { SlotCounters } from '../worker/counters.ts';
import { listenTcp, type Answerer, type TcpHooks, type TcpListener } from './tcp.ts';

export interface TlsCredentials {
  /** PEM. */
  cert: string;
  key: string;
}

export interface TlsListener extends TcpListener {
  setCredentials(c: TlsCredentials): void;
}

export async function listenTls(
  address: ListenAddress,
  engine: Answerer,
  options: TcpOptions,
  credentials: TlsCredentials,
  hooks: TcpHooks,
  counters: SlotCounters,
): Promise<TlsListener> {
  let server: tls.Server | null = null;
  const listener = await listenTcp(address, engine, options, hooks, counters, (onConnection) => {
    server = tls.createServer(
      {
        cert: credentials.cert,
        key: credentials.key,
        ALPNProtocols: ['dot'],
        minVersion: 'TLSv1.2',
        // A client that never finishes its handshake holds a slot no longer than an idle one.
        handshakeTimeout: options.idleTimeoutMs,
      },
      (socket) => {
        socket.setNoDelay(true);
        onConnection(socket as net.Socket);
      },
    );
    // A failed handshake concerns that client only (the socket is already destroyed).
    server.on('tlsClientError', () => {});
    return server;
  });
  return {
    ...listener,
    get connections() {
      return listener.connections;
    },
    close: (graceMs?: number) => listener.close(graceMs),
    setCredentials(c: TlsCredentials) {
      server?.setSecureContext({ cert: c.cert, key: c.key });
    },
  };
}
