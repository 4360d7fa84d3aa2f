// Publisher: each publish is one new generation holding every zone, posted once, resolved on acks.

import { describe, expect, it } from 'vitest';
import { Publisher, type PublishTarget } from '../../src/primary/publisher.ts';
import type { ToWorker } from '../../src/worker/protocol.ts';
import { fakeZone } from './helpers.ts';

const zone = fakeZone;

function fakeTarget() {
  const posted: ToWorker[] = [];
  const acks = new Map<number, () => void>();
  const target: PublishTarget = {
    broadcast: (m) => void posted.push(m),
    allAcked: (g) => new Promise<void>((r) => acks.set(g, r)),
  };
  return { target, posted, acks };
}

describe('Publisher', () => {
  it('numbers generations and replaces zones by origin', async () => {
    const p = new Publisher();
    expect(p.current()).toEqual({ generation: 0, images: [] });
    expect(await p.publish([zone('a.', 10), zone('b.', 20)])).toBe(1);
    expect(await p.publish([zone('a.', 11)])).toBe(2);
    expect(p.current().generation).toBe(2);
    expect(p.current().images.map((i) => i.byteLength).sort()).toEqual([11, 20]);
    expect(await p.publish([], ['b.'])).toBe(3);
    expect(p.current().images.map((i) => i.byteLength)).toEqual([11]);
    expect(p.zoneCount).toBe(1);
  });

  it('posts the whole generation and resolves only when the target reports every ack', async () => {
    const p = new Publisher();
    const { target, posted, acks } = fakeTarget();
    p.attach(target);
    let resolved = 0;
    const done = p.publish([zone('a.', 10)]).then((g) => (resolved = g));
    expect(posted).toEqual([{ type: 'zones', generation: 1, images: p.current().images }]);
    await new Promise((r) => setTimeout(r, 10));
    expect(resolved).toBe(0);
    acks.get(1)!();
    await done;
    expect(resolved).toBe(1);
  });

  it('tells listeners what changed only once every worker serves it', async () => {
    const p = new Publisher();
    const { target, acks } = fakeTarget();
    p.attach(target);
    const told: string[][] = [];
    p.onPublished((changed, removed) => told.push([...changed.map((z) => z.origin), ...removed.map((r) => `-${r}`)]));
    const first = p.publish([zone('a.', 10), zone('b.', 20)]);
    await new Promise((r) => setTimeout(r, 10));
    expect(told).toEqual([]);
    acks.get(1)!();
    await first;
    const second = p.publish([zone('a.', 11)], ['b.']);
    acks.get(2)!();
    await second;
    expect(told).toEqual([['a.', 'b.'], ['a.', '-b.']]);
    expect(p.get('a.')?.image.byteLength).toBe(11);
    expect(p.get('b.')).toBeUndefined();
  });
});
