// Endpoint state from probe results: the first result decides, then fails/succs in a row.

import { describe, expect, it } from 'vitest';
import { Hysteresis } from '../../../src/sources/services/hysteresis.ts';

/** The state after each result. */
function run(h: Hysteresis, results: string): string[] {
  return [...results].map((r) => {
    h.observe(r === '+');
    return h.state;
  });
}

describe('hysteresis', () => {
  it('starts unknown and usable; the first result decides at once', () => {
    const h = new Hysteresis(2, 2);
    expect(h.state).toBe('unknown');
    expect(h.usable).toBe(true);
    expect(h.observe(false)).toBe('down');
    expect(h.usable).toBe(false);
    expect(new Hysteresis(3, 3).observe(true)).toBe('up');
  });

  it('goes down after `fails` failures in a row and back after `succs` successes in a row', () => {
    const h = new Hysteresis(2, 3);
    expect(run(h, '+-+--')).toEqual(['up', 'up', 'up', 'up', 'down']);
    expect(run(h, '++-+++')).toEqual(['down', 'down', 'down', 'down', 'down', 'up']);
  });

  it('reports each change once', () => {
    const h = new Hysteresis(1, 1);
    expect(h.observe(true)).toBe('up');
    expect(h.observe(true)).toBeNull();
    expect(h.observe(false)).toBe('down');
    expect(h.observe(false)).toBeNull();
    expect(h.observe(true)).toBe('up');
  });
});
