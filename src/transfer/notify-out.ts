// NOTIFY out (RFC 1996): after every published serial change of a zone, tell each of its targets
// (the zone's own `notify` list, else --notify), over UDP, with the new SOA in the answer section.
// As BIND and Knot do: an answer ends the job for that serial — NOERROR (signed back when we
// signed) is an acknowledgement, any other RCODE (NOTAUTH, REFUSED, NOTIMP, …) a refusal that
// resending would only repeat, logged by its name and counted; only silence is resent, with
// exponential backoff, until a newer serial supersedes it or the attempts run out. Nothing is
// sent before serve() says the workers answer (ready()): a secondary told at once would ask for
// the zone before anyone can transfer it. Every attempt is logged and counted.

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { formatAddress, type ListenAddress } from '../config/serve-options.ts';
import type { Logger } from '../primary/log.ts';
import type { LoadedZone } from '../primary/zone-loader.ts';
import { CLASS_IN, TYPE_SOA } from '../zone/types.ts';
import { OPCODE_NOTIFY, RCODE_NOERROR, buildMessage, flags, rcodeName, readHeader } from './message.ts';
import type { TransferMetrics } from './metrics.ts';
import { StreamVerifier, sign, type TsigKey } from './tsig.ts';
import { TransferForm } from './zone-records.ts';

export interface NotifyTargetKey {
  address: ListenAddress;
  key: TsigKey | null;
}

export interface NotifyOptions {
  /** The default targets (--notify): for zones without a `notify` list of their own. */
  targets: NotifyTargetKey[];
  /** A zone's targets; default: `targets` for every zone. */
  targetsFor?: (zone: LoadedZone) => readonly NotifyTargetKey[];
  metrics: TransferMetrics;
  log: Logger;
  /** Attempts before giving up (default 10: 1+2+4+…+60 s ≈ 5 minutes). */
  maxAttempts?: number;
  /** Wait before the first resend; doubles each time up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
}

/** What /zones shows per zone and target: the last serial notified and how that went. */
export interface NotifyStatus {
  target: string;
  serial: number;
  /** pending (no answer yet) | acked | gave_up | superseded (a newer serial was sent) | the RCODE name of a refusal (NOTAUTH, REFUSED, …). */
  result: string;
  attempts: number;
  /** When the result was last updated (ISO 8601). */
  at: string;
}

interface Job {
  origin: string;
  serial: number;
  target: NotifyTargetKey;
  peer: string;
  message: Uint8Array;
  attempt: number;
  delay: number;
  id: number;
  mac: Uint8Array | null;
  timer: NodeJS.Timeout | null;
}

export class NotifySender {
  private readonly o: Required<NotifyOptions>;
  private readonly sockets = new Map<4 | 6, dgram.Socket>();
  /** The job per zone and target: key `${origin} ${peer}`. */
  private readonly jobs = new Map<string, Job>();
  private readonly notified = new Map<string, number>();
  /** Per zone, per target (peer text): the last NOTIFY's outcome. Bounded by zones × configured targets. */
  private readonly status = new Map<string, Map<string, NotifyStatus>>();
  /** Zones published before ready(), by origin (the latest version of each). */
  private held: Map<string, LoadedZone> | null = new Map();
  private closed = false;

  constructor(o: NotifyOptions) {
    const targets = o.targets;
    this.o = { maxAttempts: 10, firstDelayMs: 1000, maxDelayMs: 60_000, targetsFor: () => targets, ...o };
  }

  /** Publisher.onPublished: notify for every zone whose serial moved (and at first load). */
  published(changed: readonly LoadedZone[], removed: readonly string[]): void {
    for (const origin of removed) {
      for (const [k, job] of this.jobs) if (job.origin === origin) this.cancel(k);
      this.notified.delete(origin);
      this.status.delete(origin);
      this.held?.delete(origin);
    }
    if (this.closed) return;
    if (this.held !== null) {
      for (const zone of changed) this.held.set(zone.origin, zone);
      return;
    }
    for (const zone of changed) this.notifyZone(zone);
  }

  /**
   * The workers answer every zone published so far (serve calls this once they listen): send
   * what was held back, and from now on notify at each publication (which resolves only once
   * every worker serves it).
   */
  ready(): void {
    const held = this.held;
    this.held = null;
    if (held === null || this.closed) return;
    for (const zone of held.values()) this.notifyZone(zone);
  }

  /** The last NOTIFY of `origin` to each of its targets (empty: none sent yet). */
  statusOf(origin: string): NotifyStatus[] {
    return [...(this.status.get(origin)?.values() ?? [])];
  }

  private notifyZone(zone: LoadedZone): void {
    if (zone.transfer === undefined) return;
    const targets = this.o.targetsFor(zone);
    if (targets.length === 0) return;
    const form = new TransferForm(zone.transfer);
    if (this.notified.get(zone.origin) === form.serial) return;
    this.notified.set(zone.origin, form.serial);
    for (const target of targets) this.start(zone.origin, form, target);
  }

  private record(job: Job, result: string): void {
    let byTarget = this.status.get(job.origin);
    if (byTarget === undefined) this.status.set(job.origin, (byTarget = new Map()));
    byTarget.set(job.peer, { target: job.peer, serial: job.serial, result, attempts: job.attempt, at: new Date().toISOString() });
  }

  close(): void {
    this.closed = true;
    for (const k of [...this.jobs.keys()]) this.cancel(k);
    for (const s of this.sockets.values()) s.close();
    this.sockets.clear();
  }

  /** Jobs not yet acknowledged (for tests and /metrics). */
  get pending(): number {
    return this.jobs.size;
  }

  private start(origin: string, form: TransferForm, target: NotifyTargetKey): void {
    const peer = formatAddress(target.address);
    const k = `${origin} ${peer}`;
    this.cancel(k);
    const soa = form.soa;
    const job: Job = {
      origin, serial: form.serial, target, peer, attempt: 0, delay: this.o.firstDelayMs, id: 0, mac: null, timer: null,
      message: buildMessage({
        id: 0,
        flags: flags({ opcode: OPCODE_NOTIFY, aa: true }),
        question: { name: soa.owner, type: TYPE_SOA, class: CLASS_IN },
        answers: [soa],
      }).slice(),
    };
    // The SOA is a view into the transfer form: the message holds its own copy.
    this.jobs.set(k, job);
    this.send(k, job);
  }

  private cancel(k: string): void {
    const job = this.jobs.get(k);
    if (job === undefined) return;
    if (this.status.get(job.origin)?.get(job.peer)?.result === 'pending') this.record(job, 'superseded');
    if (job.timer !== null) clearTimeout(job.timer);
    this.jobs.delete(k);
  }

  private socket(family: 4 | 6): dgram.Socket {
    let s = this.sockets.get(family);
    if (s === undefined) {
      s = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
      s.on('message', (msg, rinfo) => this.receive(new Uint8Array(msg), rinfo));
      s.on('error', (err) => this.o.log.warn({ event: 'notify_socket_error', code: 'PGN_WARN_NOTIFY' }, `NOTIFY socket: ${err.message}`));
      s.unref();
      this.sockets.set(family, s);
    }
    return s;
  }

  private send(k: string, job: Job): void {
    job.attempt++;
    job.id = randomInt(0, 65536);
    let message = job.message;
    message[0] = job.id >>> 8;
    message[1] = job.id & 0xff;
    job.mac = null;
    if (job.target.key !== null) {
      const signed = sign(job.target.key, message);
      message = signed.message;
      job.mac = signed.mac;
    }
    this.o.metrics.notify.inc({ zone: job.origin, direction: 'out', peer: job.peer, result: 'sent' });
    this.record(job, 'pending');
    this.o.log.info(
      { event: 'notify_sent', zone: job.origin, serial: job.serial, target: job.peer, attempt: job.attempt },
      `NOTIFY ${job.origin} serial ${job.serial} to ${job.peer} (attempt ${job.attempt})`,
    );
    this.socket(job.target.address.family).send(message, job.target.address.port, job.target.address.host, (err) => {
      if (err !== null && err !== undefined) {
        this.o.log.warn({ event: 'notify_error', zone: job.origin, target: job.peer, code: 'PGN_WARN_NOTIFY' }, `NOTIFY to ${job.peer}: ${err.message}`);
      }
    });
    job.timer = setTimeout(() => this.retry(k, job, 'timeout'), job.delay);
    job.timer.unref();
  }

  private retry(k: string, job: Job, result: string): void {
    if (this.jobs.get(k) !== job) return;
    if (job.timer !== null) clearTimeout(job.timer);
    job.timer = null;
    this.o.metrics.notify.inc({ zone: job.origin, direction: 'out', peer: job.peer, result });
    if (job.attempt >= this.o.maxAttempts) {
      this.jobs.delete(k);
      this.record(job, 'gave_up');
      this.o.metrics.notify.inc({ zone: job.origin, direction: 'out', peer: job.peer, result: 'gave_up' });
      this.o.log.warn(
        { event: 'notify_gave_up', zone: job.origin, serial: job.serial, target: job.peer, attempts: job.attempt, code: 'PGN_WARN_NOTIFY' },
        `NOTIFY ${job.origin} serial ${job.serial} to ${job.peer}: no acknowledgement after ${job.attempt} attempts`,
      );
      return;
    }
    job.delay = Math.min(job.delay * 2, this.o.maxDelayMs);
    this.send(k, job);
  }

  private receive(msg: Uint8Array, rinfo: dgram.RemoteInfo): void {
    let header;
    try {
      header = readHeader(msg);
    } catch {
      return;
    }
    for (const [k, job] of this.jobs) {
      if (job.id !== header.id || job.target.address.port !== rinfo.port || !sameHost(job.target.address.host, rinfo.address)) continue;
      if (!header.qr || header.opcode !== OPCODE_NOTIFY) return;
      let unverified = '';
      if (job.target.key !== null && job.mac !== null) {
        try {
          const v = new StreamVerifier(job.target.key, job.mac);
          v.push(msg);
        } catch (err) {
          this.o.metrics.tsigFailures.inc({ reason: 'response' });
          this.o.log.warn({ event: 'notify_error', zone: job.origin, target: job.peer, code: 'PGN_WARN_TSIG' }, `NOTIFY answer from ${job.peer}: ${(err as Error).message}`);
          // An acknowledgement must be signed back. A refusal of our key (BADKEY, BADSIG) comes
          // unsigned (RFC 8945 §5.2) and is as final as any other: the key will not change by resending.
          if (header.rcode === RCODE_NOERROR) return;
          unverified = ' (unsigned answer)';
        }
      }
      if (job.timer !== null) clearTimeout(job.timer);
      this.jobs.delete(k);
      if (header.rcode !== RCODE_NOERROR) {
        // Final for this serial, as in BIND and Knot: the target refuses this zone from us
        // (not its secondary, no ACL, wrong key); resending would get the same answer.
        const name = rcodeName(header.rcode);
        this.record(job, name);
        this.o.metrics.notify.inc({ zone: job.origin, direction: 'out', peer: job.peer, result: name.toLowerCase() });
        this.o.log.warn(
          { event: 'notify_rejected', zone: job.origin, serial: job.serial, target: job.peer, rcode: name, attempt: job.attempt, code: 'PGN_WARN_NOTIFY_REJECTED' },
          `NOTIFY ${job.origin} serial ${job.serial} to ${job.peer}: answered ${name}${unverified}; not resent (is it a secondary of this zone, allowing NOTIFY from us?)`,
        );
        return;
      }
      this.record(job, 'acked');
      this.o.metrics.notify.inc({ zone: job.origin, direction: 'out', peer: job.peer, result: 'acked' });
      this.o.log.info(
        { event: 'notify_acked', zone: job.origin, serial: job.serial, target: job.peer, attempt: job.attempt },
        `NOTIFY ${job.origin} serial ${job.serial} acknowledged by ${job.peer}`,
      );
      return;
    }
  }
}

function sameHost(a: string, b: string): boolean {
  return a === b || b === `::ffff:${a}`;
}
