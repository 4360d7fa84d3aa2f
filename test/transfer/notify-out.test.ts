// NOTIFY out: sent on every serial change once the workers serve, resent with backoff while
// unanswered, never after an answer (an error RCODE is final for that serial, as in BIND and Knot),
// to each zone's own targets; signed when the target has a key; each attempt logged and counted.
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
import { nameToText, parseName } from '../../src/zone/name.ts';
import { until } from '../helpers/until.ts';

function zoneAt(serial: number, origin = 'notify.test.'): LoadedZone {
  const text = `$TTL 300\n@ SOA ns1 h ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n`;
  const parsed = parseZoneText(text, 'z', { origin: parseName(origin, null) });
  const r = loadZoneModel(parsed.zone, 'z');
  if (!r.ok) throw new Error('zone');
  return r.zone;
}

interface Target {
  socket: dgram.Socket;
  port: number;
  received: { serial: number; signed: boolean; zone: string }[];
}

/**
 * A NOTIFY target (a fake secondary) that ignores the first `ignore` messages, then answers with
 * `rcode` (0: an ack, signed with `key` if given).
 */
async function target(ignore: number, key: ReturnType<typeof makeKey> | null = null, rcode = 0): Promise<Target> {
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
    t.received.push({ serial: soaSerial(parsed.answers[0].rdata), signed: tsig !== null, zone: nameToText(parsed.question!.name).toLowerCase() });
    if (t.received.length <= ignore) return;
    let ack = buildMessage({ id: readHeader(m).id, flags: flags({ qr: true, opcode: 4, aa: rcode === 0, rcode }), question: parsed.question });
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

type TargetSpec = { port: number; key?: ReturnType<typeof makeKey> };
const toKey = (t: TargetSpec) => ({ address: { host: '127.0.0.1', port: t.port, family: 4 as const }, key: t.key ?? null });

/**
 * A sender that is ready (the workers serve) unless `held`; `perZone`: targets by origin, others
 * get `targets`. `noResend`: the first resend only after a minute, so that on a busy machine a
 * late answer is never overtaken by a resend (tests of what answers do, not of timeouts).
 */
function sender(targets: TargetSpec[], maxAttempts = 10, o: { held?: boolean; perZone?: Record<string, TargetSpec[]>; noResend?: boolean } = {}) {
  const registry = new Registry();
  const metrics = createTransferMetrics(registry);
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  const perZone = o.perZone ?? {};
  const n = new NotifySender({
    targets: targets.map(toKey),
    targetsFor: (zone) => (Object.hasOwn(perZone, zone.origin) ? perZone[zone.origin] : targets).map(toKey),
    metrics, log, firstDelayMs: o.noResend === true ? 60_000 : 20, maxDelayMs: o.noResend === true ? 60_000 : 80, maxAttempts,
  });
  if (o.held !== true) n.ready();
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
    expect(t.received).toEqual([{ serial: 9, signed: true, zone: 'notify.test.' }]);
  });

  for (const [rcode, name] of [[9, 'NOTAUTH'], [5, 'REFUSED'], [4, 'NOTIMP'], [1, 'FORMERR'], [2, 'SERVFAIL']] as const) {
    it(`takes ${name} as the final answer for that serial: one NOTIFY, logged by name and counted, never resent`, async () => {
      const t = await target(0, null, rcode);
      cleanup.push(() => t.socket.close());
      const { n, registry, lines } = sender([{ port: t.port }], 10, { noResend: true });
      n.published([zoneAt(7)], []);
      await until(() => lines.some((l) => l.event === 'notify_rejected'), { what: `the ${name} answer` });
      const rejected = lines.find((l) => l.event === 'notify_rejected')!;
      expect(rejected.rcode).toBe(name);
      expect(rejected.msg).toContain(name);
      expect(n.pending).toBe(0);
      // The same serial again (a reload that changed nothing) sends nothing.
      n.published([zoneAt(7)], []);
      expect(n.statusOf('notify.test.')).toMatchObject([{ serial: 7, result: name, attempts: 1 }]);
      // A new serial is a new question: one more NOTIFY, answered the same way.
      n.published([zoneAt(8)], []);
      await until(() => lines.filter((l) => l.event === 'notify_rejected').length === 2, { what: 'the second answer' });
      expect(t.received.map((r) => r.serial)).toEqual([7, 8]);
      expect(lines.filter((l) => l.event === 'notify_sent')).toHaveLength(2);
      const text = await registry.metrics();
      expect(text).toMatch(new RegExp(`peregrine_notify_total\\{zone="notify\\.test\\.",direction="out",peer="127\\.0\\.0\\.1:\\d+",result="${name.toLowerCase()}"\\} 2`));
      expect(text).toMatch(/result="sent"\} 2/);
      expect(text).not.toMatch(/result="timeout"/);
    });
  }

  it('still resends a NOTIFY nobody answers (timeouts back off), and records the outcome per target', async () => {
    const t = await target(3);
    cleanup.push(() => t.socket.close());
    const { n, lines } = sender([{ port: t.port }]);
    n.published([zoneAt(3)], []);
    await until(() => lines.some((l) => l.event === 'notify_acked'), { what: 'ack after 3 silent attempts' });
    // At least 4 attempts (more if a busy machine delayed an answer past the next resend).
    expect(t.received.length).toBeGreaterThanOrEqual(4);
    expect(new Set(t.received.map((r) => r.serial))).toEqual(new Set([3]));
    expect(n.statusOf('notify.test.')).toMatchObject([{ target: `127.0.0.1:${t.port}`, serial: 3, result: 'acked' }]);
    expect(n.statusOf('notify.test.')[0].attempts).toBeGreaterThanOrEqual(4);
  });

  it('sends each zone to its own targets; a zone without a list of its own goes to the default ones', async () => {
    const a = await target(0);
    const b = await target(0);
    const d = await target(0);
    cleanup.push(() => a.socket.close(), () => b.socket.close(), () => d.socket.close());
    const { n, lines } = sender([{ port: d.port }], 10, { noResend: true, perZone: { 'one.test.': [{ port: a.port }], 'two.test.': [{ port: a.port }, { port: b.port }], 'none.test.': [] } });
    n.published([zoneAt(1, 'one.test.'), zoneAt(1, 'two.test.'), zoneAt(1, 'none.test.'), zoneAt(1, 'other.test.')], []);
    await until(() => lines.filter((l) => l.event === 'notify_acked').length === 4, { what: 'four acks' });
    expect(a.received.map((r) => r.zone).sort()).toEqual(['one.test.', 'two.test.']);
    expect(b.received.map((r) => r.zone)).toEqual(['two.test.']);
    expect(d.received.map((r) => r.zone)).toEqual(['other.test.']);
    expect(n.statusOf('none.test.')).toEqual([]);
  });

  it('holds every NOTIFY until ready() (the workers serve), then sends the latest serial of each zone once', async () => {
    const t = await target(0);
    cleanup.push(() => t.socket.close());
    const { n, lines } = sender([{ port: t.port }], 10, { held: true, noResend: true });
    n.published([zoneAt(1)], []);
    n.published([zoneAt(2), zoneAt(1, 'gone.test.')], []);
    n.published([], ['gone.test.']);
    expect(lines.filter((l) => l.event === 'notify_sent')).toHaveLength(0);
    expect(n.pending).toBe(0);
    n.ready();
    await until(() => lines.some((l) => l.event === 'notify_acked'), { what: 'ack' });
    expect(t.received).toEqual([{ serial: 2, signed: false, zone: 'notify.test.' }]);
  });
});
