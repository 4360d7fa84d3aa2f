// Per-zone query counter cells: given at first publication, stamped into the images, capped with
// the rest as _other, given back on removal, and a reused cell starts its new zone at 0.

import { describe, expect, it } from 'vitest';
import { H_METRICS_SLOT } from '../../src/image/layout.ts';
import { ZoneQueryCounters } from '../../src/primary/zone-metrics.ts';
import { SlotCounters, allocateCounters } from '../../src/worker/counters.ts';
import { fakeZone } from './helpers.ts';

const cellOf = (image: SharedArrayBuffer) => new Uint32Array(image)[H_METRICS_SLOT] - 1;

describe('ZoneQueryCounters', () => {
  it('gives zones cells up to the cap, the rest _other; counts what the workers count; reuses cells from 0', () => {
    const counters = new ZoneQueryCounters(2, 2);
    const workers = [0, 1].map((w) => new SlotCounters(allocateCounters(2), w, { buffer: counters.buffer, rowCells: counters.rowCells }));
    const a = fakeZone('a.test.', 128);
    const b = fakeZone('b.test.', 128, { variants: [new SharedArrayBuffer(128)] });
    const c = fakeZone('c.test.', 128);
    counters.stamp([a, b, c], []);
    expect([cellOf(a.image), cellOf(b.image), cellOf(b.variants![0]), cellOf(c.image)]).toEqual([0, 1, 1, 2]);
    const answer = (w: number, zone: typeof a, n: number) => {
      for (let i = 0; i < n; i++) workers[w].answered(0, 1, 0, 40, cellOf(zone.image));
    };
    answer(0, a, 3);
    answer(1, a, 2);
    answer(1, b, 4);
    answer(0, c, 6);
    workers[0].answered(0, 1, 5, 40, -1); // REFUSED: no zone
    expect(counters.totals()).toEqual(new Map([['a.test.', 5], ['b.test.', 4], ['_other', 6]]));

    // A new version keeps its zone's cell; a removed zone gives its cell to the next, which starts at 0.
    const a2 = fakeZone('a.test.', 128);
    const d = fakeZone('d.test.', 128);
    counters.stamp([a2], []);
    expect(cellOf(a2.image)).toBe(0);
    counters.stamp([d], ['b.test.']);
    expect(cellOf(d.image)).toBe(1);
    expect(counters.totals()).toEqual(new Map([['a.test.', 5], ['d.test.', 0], ['_other', 6]]));
    answer(0, d, 1);
    expect(counters.totals().get('d.test.')).toBe(1);
  });

  it('with a cap of 0 counts nothing and stamps nothing', () => {
    const counters = new ZoneQueryCounters(1, 0);
    const a = fakeZone('a.test.', 128);
    counters.stamp([a], []);
    expect(cellOf(a.image)).toBe(-1);
    expect(counters.totals().size).toBe(0);
  });
});
