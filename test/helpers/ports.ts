// Free-port finder for interop servers: a port is only handed out if both a TCP
// server and a UDP socket could be bound to it on 127.0.0.1 (DNS servers need both).
import dgram from 'node:dgram';
import net from 'node:net';

const handedOut = new Set<number>();

function listenTcp(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(srv));
  });
}

function bindUdp(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket({ type: 'udp4', reuseAddr: false });
    sock.once('error', (err) => {
      sock.close();
      reject(err);
    });
    sock.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(sock));
  });
}

function closeTcp(srv: net.Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()));
}

function closeUdp(sock: dgram.Socket): Promise<void> {
  return new Promise((resolve) => sock.close(() => resolve()));
}

/** A port free for both UDP and TCP on 127.0.0.1, never the same twice in one process. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const tcp = await listenTcp(0);
    const addr = tcp.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
    if (port === 0 || handedOut.has(port)) {
      await closeTcp(tcp);
      continue;
    }
    let udp: dgram.Socket | undefined;
    try {
      udp = await bindUdp(port);
    } catch {
      udp = undefined;
    }
    await closeTcp(tcp);
    if (udp === undefined) continue;
    await closeUdp(udp);
    handedOut.add(port);
    return port;
  }
  throw new Error('freePort: no port free for both UDP and TCP on 127.0.0.1 after 50 attempts');
}
