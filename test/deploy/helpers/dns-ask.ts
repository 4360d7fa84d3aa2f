// One DNS query from inside a test's network namespace (`ip netns exec NS node dns-ask.ts ...`):
// prints {"rcode": ..., "txt": [...], "answers": N, "from": "addr:port"} and exits 0, or exits 1
// with a message when nothing answers in time. The UDP socket is connected, so only an answer
// from HOST:PORT itself counts (as for a client talking to a VIP).
//
// Usage: node dns-ask.ts HOST PORT NAME TYPE [CLASS] [--tcp] [--timeout MS]

import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';

const args = process.argv.slice(2);
const tcp = args.includes('--tcp');
const t = args.indexOf('--timeout');
const timeoutMs = t >= 0 ? Number(args[t + 1]) : 1000;
const [host, portText, name, type, klass = 'IN'] = args.filter((a, i) => !a.startsWith('--') && (t < 0 || i !== t + 1));
const port = Number(portText);
const packet = dnsPacket.encode({
  type: 'query',
  id: Math.floor(Math.random() * 65536),
  flags: 0,
  questions: [{ name, type: type as dnsPacket.RecordType, class: klass as dnsPacket.RecordClass }],
});

function report(msg: Buffer, from: string): never {
  const res = dnsPacket.decode(msg) as dnsPacket.DecodedPacket & { rcode?: string };
  const txt = (res.answers ?? []).filter((a) => a.type === 'TXT').flatMap((a) => (a.data as Buffer[]).map(String));
  process.stdout.write(`${JSON.stringify({ rcode: res.rcode, txt, answers: res.answers?.length ?? 0, from })}\n`);
  process.exit(0);
}

setTimeout(() => {
  process.stderr.write(`no answer from ${host}:${port} within ${timeoutMs} ms\n`);
  process.exit(1);
}, timeoutMs);

if (tcp) {
  const socket = net.connect({ host, port });
  let data = Buffer.alloc(0);
  socket.on('connect', () => socket.write(Buffer.concat([Buffer.from([packet.length >> 8, packet.length & 0xff]), packet])));
  socket.on('data', (chunk) => {
    data = Buffer.concat([data, chunk]);
    if (data.length >= 2 && data.length >= 2 + data.readUInt16BE(0)) report(data.subarray(2, 2 + data.readUInt16BE(0)), `${socket.remoteAddress}:${socket.remotePort}`);
  });
  socket.on('error', (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
} else {
  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('message', (msg, rinfo) => report(msg, `${rinfo.address}:${rinfo.port}`));
  socket.on('error', (err) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  });
  socket.connect(port, host, () => socket.send(packet));
}
