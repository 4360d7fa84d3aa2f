// NOTIFY out (RFC 1996): after every published serial change of a zone, tell each --notify target,
// over UDP, with the new SOA in the answer section; resend with exponential backoff until the
// target acknowledges (NOERROR, signed back when we signed), a newer serial supersedes it, or the
// attempts run out. Every attempt is logged and counted.

import dgram from 'node:dgram';
import { randomInt } from 'node:crypto';
import { formatAddress, type ListenAddress } from '../config/serve-options.ts';
import type { Logger } from '../primary/log.ts';
import type { LoadedZone } from '../primary/zone-loader.ts';
import { CLASS_IN, TYPE_SOA } from '../zone/types.ts';
import { OPCODE_NOTIFY, RCODE_NOERROR, buildMessage, flags, readHeader } from './message.ts';
import type { TransferMetrics } from './metrics.ts';
import { StreamVerifier, sign, type TsigKey } from './tsig.ts';
import { TransferForm } from './zone-records.ts';

export interface NotifyTargetKey {
  address: ListenAddress;
  key: TsigKey | null;
}

export interface NotifyOptions {
  targets: NotifyTargetKey[];
  metrics: TransferMetrics;
  log: Logger;
  /** Attempts before giving up (default 10: 1+2+4+…+60 s ≈ 5 minutes). */
  maxAttempts?: number;
  /** Wait before the first resend; doubles each time up to maxDelayMs. */
  firstDelayMs?: number;
  maxDelayMs?: number;
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
  private closed = false;

  constructor(o: NotifyOptions) {
    this.o = { maxAttempts: 10, firstDelayMs: 1000, maxDelayMs: 60_000, ...o };
  }

  /** Publisher.onPublished: notify for every zone whose serial moved (and at first load). */
  published(changed: readonly LoadedZone[], removed: readonly string[]): void {
    for (const origin of removed) {
      this.notified.delete(origin);
      for (const [k, job] of this.jobs) if (job.origin === origin) this.cancel(k);
    }
    if (this.o.targets.length === 0 || this.closed) return;
    for (const zone of changed) {
      if (zone.transfer === undefined) continue;
      const form = new TransferForm(zone.transfer);
      if (this.notified.get(zone.origin) === form.serial) continue;
      this.notified.set(zone.origin, form.serial);
      for (const target of this.o.targets) this.start(zone.origin, form, target);
    }
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
      if (job.target.key !== null && job.mac !== null) {
        try {
          const v = new StreamVerifier(job.target.key, job.mac);
          v.push(msg);
        } catch (err) {
          this.o.metrics.tsigFailures.inc({ reason: 'response' });
          this.o.log.warn({ event: 'notify_error', zone: job.origin, target: job.peer, code: 'PGN_WARN_TSIG' }, `NOTIFY answer from ${job.peer}: ${(err as Error).message}`);
          return;
        }
      }
      if (header.rcode !== RCODE_NOERROR) {
        this.o.log.warn(
          { event: 'notify_error', zone: job.origin, target: job.peer, rcode: header.rcode, code: 'PGN_WARN_NOTIFY' },
          `NOTIFY ${job.origin} to ${job.peer}: answered with RCODE ${header.rcode}`,
        );
        this.retry(k, job, 'error');
        return;
      }
      if (job.timer !== null) clearTimeout(job.timer);
      this.jobs.delete(k);
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
