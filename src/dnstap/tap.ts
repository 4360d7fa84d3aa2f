// The worker's dnstap log: each answered query (1 in `sample`) becomes an AUTH_QUERY and an
// AUTH_RESPONSE frame in the worker's Frame Streams buffer. The transports call the tap of
// their listen address after an answer is decided (UDP after rate limiting: what is sent).

import { isIPv4 } from 'node:net';
import type { ClientAddress } from '../answer/client-address.ts';
import type { ListenAddress } from '../config/serve-options.ts';
import { AUTH_QUERY, AUTH_RESPONSE, DnstapEncoder, DnstapFields, PROTOCOL_TCP, PROTOCOL_UDP } from './encode.ts';
import { FrameStreamWriter } from './frame-streams.ts';

/** Called with the query and the response sent to `client`. */
export type Tap = (client: ClientAddress, query: Uint8Array, queryLength: number, response: Uint8Array, responseLength: number, tcp: boolean) => void;

export interface DnstapSettings {
  /** The collector's Unix socket. */
  path: string;
  /** Log 1 query in `sample` (1: every one). */
  sample: number;
  identity: string;
  version: string;
}

function addressBytes(host: string): Uint8Array {
  if (isIPv4(host)) return Uint8Array.from(host.split('.').map(Number));
  // IPv6: expand '::' and read the groups.
  const [head, tail] = host.includes('::') ? host.split('::') : [host, null];
  const h = head === '' ? [] : head.split(':');
  const t = tail === null || tail === '' ? [] : tail.split(':');
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => { const v = parseInt(g, 16); out[2 * i] = v >>> 8; out[2 * i + 1] = v & 0xff; });
  return out;
}

export class DnstapLog {
  readonly writer: FrameStreamWriter;
  private readonly settings: DnstapSettings;
  private readonly fields = new DnstapFields();
  private seen = 0;

  constructor(settings: DnstapSettings, writer = new FrameStreamWriter(settings.path)) {
    this.settings = settings;
    this.writer = writer;
  }

  tapFor(address: ListenAddress): Tap {
    const encoder = new DnstapEncoder(this.settings.identity, this.settings.version, {
      family: address.family, address: addressBytes(address.host), port: address.port,
    });
    return (client, query, queryLength, response, responseLength, tcp) => {
      if (++this.seen < this.settings.sample) return;
      this.seen = 0;
      const f = this.fields;
      const writer = this.writer;
      // performance.timeOrigin + now(): microseconds without allocating (Date has milliseconds).
      const t = performance.timeOrigin + performance.now();
      const sec = Math.floor(t / 1000);
      f.timeSec = sec;
      f.timeNsec = Math.floor((t - sec * 1000) * 1e6) >>> 0;
      f.protocol = tcp ? PROTOCOL_TCP : PROTOCOL_UDP;
      f.client = client.bytes;
      f.clientLength = client.family === 4 ? 4 : 16;
      f.clientPort = client.port;
      f.type = AUTH_QUERY;
      f.message = query;
      f.messageLength = queryLength;
      let size = encoder.frameSize(f);
      if (writer.reserve(size)) writer.commit(encoder.write(writer.buffer, writer.tail, f));
      f.type = AUTH_RESPONSE;
      f.message = response;
      f.messageLength = responseLength;
      size = encoder.frameSize(f);
      if (writer.reserve(size)) writer.commit(encoder.write(writer.buffer, writer.tail, f));
    };
  }
}
