// Queries per zone (peregrine_zone_queries_total{zone}), cheap for 50k zones: each zone served
// gets a cell of the per-zone counters buffer (layout: src/worker/counters.ts), written into its
// image's header (H_METRICS_SLOT) before the image is first published; workers count the zone of
// each answer there with one array increment, and a scrape sums the workers' rows. At most
// --zone-metrics-max zones get a cell (and a label) of their own; the others share the `_other`
// cell. A zone removed gives its cell back; the next zone to take it starts from the count the
// cell had then (a baseline), so every zone's counter starts at 0. (Answers a worker gives from
// the old generation while the new one is being acknowledged may land on the new owner.)

import { Counter, type Registry } from 'prom-client';
import { H_METRICS_SLOT, HEADER_WORDS } from '../image/layout.ts';
import { allocateZoneCounters, zoneRowCells } from '../worker/counters.ts';
import type { LoadedZone } from './zone-loader.ts';

/** The label of every zone beyond --zone-metrics-max. */
export const OTHER_ZONES = '_other';

export class ZoneQueryCounters {
  readonly buffer: SharedArrayBuffer;
  readonly rowCells: number;
  private readonly workers: number;
  private readonly max: number;
  /** Origin → its cell (0 .. max-1); zones without one count in cell `max` (_other). */
  private readonly cellOf = new Map<string, number>();
  private readonly free: number[] = [];
  private next = 0;
  /** What each cell had counted when its current zone took it. */
  private readonly baseline: Float64Array;
  private readonly cells: Float64Array;

  /** `max` 0: no per-zone counting at all. */
  constructor(workers: number, max: number) {
    this.workers = workers;
    this.max = max;
    this.rowCells = max === 0 ? 0 : zoneRowCells(max + 1);
    this.buffer = allocateZoneCounters(workers, max === 0 ? 0 : max + 1);
    this.baseline = new Float64Array(max + 1);
    this.cells = new Float64Array(this.buffer);
  }

  /** Publisher.beforePublish: give new zones a cell and stamp it into every image of each changed zone. */
  stamp(changed: readonly LoadedZone[], removed: readonly string[]): void {
    if (this.max === 0) return;
    for (const origin of removed) {
      const cell = this.cellOf.get(origin);
      if (cell === undefined) continue;
      this.cellOf.delete(origin);
      this.free.push(cell);
    }
    for (const zone of changed) {
      let cell = this.cellOf.get(zone.origin);
      if (cell === undefined) {
        cell = this.free.pop() ?? (this.next < this.max ? this.next++ : this.max);
        if (cell !== this.max) {
          this.cellOf.set(zone.origin, cell);
          this.baseline[cell] = this.sum(cell);
        }
      }
      for (const image of [zone.image, ...(zone.variants ?? [])]) new Uint32Array(image, 0, HEADER_WORDS)[H_METRICS_SLOT] = cell + 1;
    }
  }

  /** Queries answered for each zone with a cell, and for `_other`, since the zone took its cell. */
  totals(): Map<string, number> {
    const out = new Map<string, number>();
    if (this.max === 0) return out;
    for (const [origin, cell] of this.cellOf) out.set(origin, this.sum(cell) - this.baseline[cell]);
    const other = this.sum(this.max);
    if (other > 0) out.set(OTHER_ZONES, other);
    return out;
  }

  register(registry: Registry): void {
    const counters = this;
    new Counter({
      name: 'peregrine_zone_queries_total',
      help: `Queries answered from each zone (any rcode, UDP and TCP; handed-off transfers and NOTIFY not included). At most --zone-metrics-max zones have a series of their own; the rest count as zone="${OTHER_ZONES}".`,
      labelNames: ['zone'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [zone, n] of counters.totals()) this.inc({ zone }, n);
      },
    });
  }

  private sum(cell: number): number {
    const cells = this.cells;
    let n = 0;
    for (let w = 0; w < this.workers; w++) n += cells[w * this.rowCells + cell];
    return n;
  }
}
