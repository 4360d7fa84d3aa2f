// Real probes against loopback servers: http 2xx / 5xx / nothing listening / too slow, tcp,
// and dns (NOERROR healthy, REFUSED or silence not).

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dnsPacket from 'dns-packet';
import { parseAddress } from '../../../src/sources/services/address.ts';
import type { CheckSpec } from '../../../src/sources/services/config.ts';
import { checkUrl, probe } from '../../../src/sources/services/probes.ts';

const local = parseAddress('127.0.0.1')!;
const spec = (over: Partial<CheckSpec>): CheckSpec => ({
  kind: 'http', url: '', port: 0, dnsName: 'health.test.', dnsType: 1, intervalMs: 1000, timeoutMs: 300, fails: 1, succs: 1, ...over,
});

let web: http.Server;
let webPort: number;
let udp: dgram.Socket;
let udpPort: number;
let closedPort: number;

beforeAll(async () => {
  web = http.createServer((req, res) => {
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 2000);
    res.statusCode = req.url === '/ok' ? 204 : 503;
    res.end();
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webPort = (web.address() as net.AddressInfo).port;
  udp = dgram.createSocket('udp4');
  udp.on('message', (msg, from) => {
    const q = dnsPacket.decode(msg);
    const name = q.questions?.[0]?.name ?? '';
    if (name === 'silent.test') return;
    const rcode = name === 'health.test' ? 0 : 5; // NOERROR, REFUSED (dns-packet encodes the rcode from flags)
    udp.send(dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode, questions: q.questions }), from.port, from.address);
  });
  await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
  udpPort = udp.address().port;
  const tmp = net.createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as net.AddressInfo).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});

afterAll(async () => {
  web.closeAllConnections();
  await new Promise<void>((r) => web.close(() => r()));
  udp.close();
});

describe('probes', () => {
  it('http: 2xx is healthy; 5xx, nothing listening and too slow are not', async () => {
    const url = (p: string) => `http://{ip}:${webPort}${p}`;
    expect(await probe(spec({ url: url('/ok') }), local)).toBe(true);
    expect(await probe(spec({ url: url('/bad') }), local)).toBe(false);
    expect(await probe(spec({ url: url('/slow') }), local)).toBe(false);
    expect(await probe(spec({ url: `http://{ip}:${closedPort}/ok` }), local)).toBe(false);
    expect(checkUrl('http://{ip}:80/x', parseAddress('FD00::1')!)).toBe('http://[fd00::1]:80/x');
  });

  it('tcp: a connection that opens is healthy', async () => {
    expect(await probe(spec({ kind: 'tcp', port: webPort }), local)).toBe(true);
    expect(await probe(spec({ kind: 'tcp', port: closedPort }), local)).toBe(false);
  });

  it('dns: NOERROR is healthy; another rcode or no answer is not', async () => {
    expect(await probe(spec({ kind: 'dns', port: udpPort, dnsName: 'health.test.' }), local)).toBe(true);
    expect(await probe(spec({ kind: 'dns', port: udpPort, dnsName: 'other.test.' }), local)).toBe(false);
    expect(await probe(spec({ kind: 'dns', port: udpPort, dnsName: 'silent.test.' }), local)).toBe(false);
  });
});
