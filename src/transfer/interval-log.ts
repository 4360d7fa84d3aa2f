// One log line per interval for events a remote sender can repeat at will (refused transfers,
// refused NOTIFYs, TSIG failures): the first is logged at once, later ones are counted and the
// next line after the interval says how many were not logged. Bounded whatever the flood: one
// counter per kind of event, no per-client or per-name state.

import type { Logger } from '../primary/log.ts';

export const LOG_INTERVAL_MS = 10_000;

export class IntervalLog {
  private last = -Infinity;
  private suppressed = 0;

  private readonly log: Logger;
  private readonly level: 'info' | 'warn';
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(log: Logger, level: 'info' | 'warn', intervalMs = LOG_INTERVAL_MS, now: () => number = () => performance.now()) {
    this.log = log;
    this.level = level;
    this.intervalMs = intervalMs;
    this.now = now;
  }

  /** Log `fields`/`message` unless a line went out less than an interval ago (then count it). */
  note(fields: Record<string, unknown>, message: string): void {
    const t = this.now();
    if (t - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed;
    this.last = t;
    this.suppressed = 0;
    const text = more > 0 ? `${message} (and ${more} more like it not logged in the last ${Math.round(this.intervalMs / 1000)} s)` : message;
    this.log[this.level]({ ...fields, suppressed: more }, text);
  }
}
