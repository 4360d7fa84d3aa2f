// NOTIFY out: sent on every serial change, resent with backoff until acknowledged, signed when the
// target has a key; each attempt logged and counted.
import dgram from 'node:dgram';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { createTransferMetrics } from '../../src/transfer/metrics.ts';
import { NotifySender } from '../../src/transfer/notify-out.ts';
import { buildMessage, flags, parseMessage, readHeader, soaSerial } from '../../src/transfer/message.ts';
import { Keyring, findTsig, makeKey, sign, stripTsig } from '../../src/transfer/tsig.ts';
import { loadZoneModel, type LoadedZone } from '../../src/primary/zone-loader.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { parseName } from '../../src/zone/name.ts';
import { until } from '../helpers/until.ts';

function zoneAt(serial: number): LoadedZone {
  const text = `$TTL 300\n@ SOA ns1 h ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n`;
  const parsed = parseZoneText(text, 'z', { origin: parseName('notify.test.', null) });
  const r = loadZoneModel(parsed.zone, 'z');
  if (!r.ok) throw new Error('zone');
  return r.zone;
}

interface Target {
  socket: dgram.Socket;
  port: number;
  received: { serial: number; signed: boolean }[];
}

/** A NOTIFY target that ignores the first `ignore` messages, then acks (signed with `key` if given). */
async function target(ignore: number, key: ReturnType<typeof makeKey> | null = null): Promise<Target> {
  const socket = dgram.createSocket('udp4');
  const t: Target = { socket, port: 0, received: [] };
  socket.on('message', (msg, rinfo) => {
    let m: Uint8Array = new Uint8Array(msg);
    const tsig = findTsig(m);
    if (key !== null && tsig !== null) {
      const v = new Keyring([key]).verifyRequest(m, tsig);
      if (!v.ok) return;
      m = stripTsig(m, tsig);
    }
    const parsed = parseMessage(m);
    t.received.push({ serial: soaSerial(parsed.answers[0].rdata), signed: tsig !== null });
    if (t.received.length <= ignore) return;
    let ack = buildMessage({ id: readHeader(m).id, flags: flags({ qr: true, opcode: 4, aa: true }), question: parsed.question });
    if (key !== null && tsig !== null) ack = sign(key, ack, { prior: tsig.mac }).message;
    socket.send(ack, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  t.port = (socket.address() as { port: number }).port;
  return t;
}

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

function sender(targets: { port: number; key?: ReturnType<typeof makeKey> }[], maxAttempts = 10) {
  const registry = new Registry();
  const metrics = createTransferMetrics(registry);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const n = new NotifySender({
    targets: targets.map((t) => ({ address: { host: '127.0.0.1', port: t.port, family: 4 as const }, key: t.key ?? null })),
    metrics, log, firstDelayMs: 20, maxDelayMs: 80, maxAttempts,
  });
  cleanup.push(() => n.close());
  return { n, registry, lines };
}

describe('NOTIFY out', () => {
  it('resends until acknowledged, logging and counting each attempt; a new serial notifies again, the same serial not', async () => {
    const t = await target(2);
    cleanup.push(() => t.socket.close());
    const { n, registry, lines } = sender([{ port: t.port }]);
    n.published([zoneAt(5)], []);
    await until(() => lines.some((l) => l.event === 'notify_acked'), { what: 'ack' });
    expect(t.received.map((r) => r.serial)).toEqual([5, 5, 5]);
    expect(lines.filter((l) => l.event === 'notify_sent').map((l) => l.attempt)).toEqual([1, 2, 3]);
    const text = await registry.metrics();
    expect(text).toMatch(/peregrine_notify_total\{zone="notify\.test\.",direction="out",peer="127\.0\.0\.1:\d+",result="sent"\} 3/);
    expect(text).toMatch(/result="acked"\} 1/);
    expect(text).toMatch(/result="timeout"\} 2/);
    expect(n.pending).toBe(0);
    n.published([zoneAt(5)], []);
    n.published([zoneAt(6)], []);
    await until(() => lines.filter((l) => l.event === 'notify_acked').length === 2, { what: 'second ack' });
    expect(t.received.map((r) => r.serial)).toEqual([5, 5, 5, 6]);
  });

  it('gives up after the last attempt', async () => {
    const t = await target(100);
    cleanup.push(() => t.socket.close());
    const { n, lines } = sender([{ port: t.port }], 3);
    n.published([zoneAt(1)], []);
    await until(() => lines.some((l) => l.event === 'notify_gave_up'), { what: 'give up' });
    expect(t.received).toHaveLength(3);
    expect(n.pending).toBe(0);
  });

  it('signs with the target\'s key and accepts only an ack signed back', async () => {
    const key = makeKey('notify-key', 'hmac-sha512', Buffer.from('notify secret').toString('base64'));
    const t = await target(0, key);
    cleanup.push(() => t.socket.close());
    const { n, lines } = sender([{ port: t.port, key }]);
    n.published([zoneAt(9)], []);
    await until(() => lines.some((l) => l.event === 'notify_acked'), { what: 'signed ack' });
    expect(t.received).toEqual([{ serial: 9, signed: true }]);
  });
});
