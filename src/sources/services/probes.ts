// One health probe of one endpoint: resolves true (healthy) or false, never rejects, and never
// takes longer than the timeout. http: GET, 2xx is healthy, no keep-alive; tcp: the connection
// opens; dns: a UDP query answered NOERROR.

import dgram from 'node:dgram';
import http from 'node:http';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Address } from './address.ts';
import { typeToText } from '../../zone/types.ts';
import type { CheckSpec } from './config.ts';

export type Probe = (check: CheckSpec, endpoint: Address) => Promise<boolean>;

export const probe: Probe = (check, endpoint) => {
  switch (check.kind) {
    case 'http':
      return httpProbe(check.url, endpoint, check.timeoutMs);
    case 'tcp':
      return tcpProbe(endpoint.text, check.port, check.timeoutMs);
    case 'dns':
      return dnsProbe(endpoint, check.port, check.dnsName, check.dnsType, check.timeoutMs);
  }
};

/** The URL with `{ip}` replaced (IPv6 in brackets). */
export function checkUrl(template: string, endpoint: Address): string {
  return template.replaceAll('{ip}', endpoint.family === 6 ? `[${endpoint.text}]` : endpoint.text);
}

function httpProbe(template: string, endpoint: Address, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = http.get(checkUrl(template, endpoint), { agent: false, headers: { connection: 'close', 'user-agent': 'peregrine-health' } }, (res) => {
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
      res.resume();
      finish(ok);
    });
    req.on('error', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => finish(true));
    socket.once('error', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
  });
}

let nextId = 1;

function dnsProbe(endpoint: Address, port: number, name: string, type: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(endpoint.family === 6 ? 'udp6' : 'udp4');
    const id = (nextId = (nextId + 1) & 0xffff);
    let done = false;
    const finish = (ok: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.close();
      resolve(ok);
    };
    socket.on('message', (msg) => {
      // Only our answer counts (id and QR); anything else is ignored until the timeout.
      if (msg.length < 12 || msg.readUInt16BE(0) !== id || (msg[2] & 0x80) === 0) return;
      finish((msg[3] & 0x0f) === 0);
    });
    socket.on('error', () => finish(false));
    const timer = setTimeout(() => finish(false), timeoutMs);
    const query = dnsPacket.encode({
      type: 'query',
      id,
      flags: 0,
      // dns-packet takes mnemonics (and TYPEnnn for the rest).
      questions: [{ name: name.replace(/\.$/, '') || '.', type: typeToText(type) as dnsPacket.RecordType, class: 'IN' }],
    });
    socket.send(query, port, endpoint.text, (err) => {
      if (err) finish(false);
    });
  });
}
