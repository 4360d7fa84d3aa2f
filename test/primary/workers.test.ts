// WorkerPool and Publisher together: start, publish with acks, restart a crashed worker, stop.

import { afterEach, describe, expect, it } from 'vitest';
import { sumCounters } from '../../src/primary/counters.ts';
import { Publisher } from '../../src/primary/publisher.ts';
import { WorkerPool } from '../../src/primary/workers.ts';
import { fakeZone, memoryLog } from './helpers.ts';
import { until } from '../helpers/until.ts';

const SCRIPT = new URL('./fixtures/scripted-worker.ts', import.meta.url);

const zone = fakeZone;

const pools: WorkerPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop()));
});

function pool(count: number, port = 8053) {
  const { log, lines } = memoryLog();
  const publisher = new Publisher();
  const p = new WorkerPool({
    count,
    listen: [{ host: '127.0.0.1', port, family: 4 }],
    engine: { maxUdpPayload: 1232, chaos: { idServer: null, hostnameBind: null, versionBind: null } },
    tcp: { idleTimeoutMs: 1000, maxConnections: 10 },
    log,
    currentZones: () => publisher.current(),
    script: SCRIPT,
  });
  publisher.attach(p);
  pools.push(p);
  return { pool: p, publisher, lines };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
}

describe('WorkerPool with Publisher', () => {
  it('starts every worker and publishes a generation once all ack it', async () => {
    const { pool: p, publisher } = pool(3);
    await publisher.publish([zone('a.', 100)]);
    await p.start();
    expect(p.size).toBe(3);
    expect(await withTimeout(publisher.publish([zone('b.', 200)]), 5000)).toBe(2);
    expect(publisher.current().images.map((i) => i.byteLength).sort()).toEqual([100, 200]);
  });

  it('publish() waits for the acks: it is still pending while a worker is down', async () => {
    const { pool: p, publisher, lines } = pool(2);
    await p.start();
    // Worker 0 dies on this generation instead of acking; the pool restarts it from the
    // current generation, and only then is the publication complete.
    const published = publisher.publish([zone('crash.', 13)]);
    let done = false;
    void published.then(() => (done = true));
    await until(() => lines.some((l) => l.fields.event === 'worker_exit' && l.fields.exitCode === 3));
    expect(done).toBe(false);
    expect(await withTimeout(published, 5000)).toBe(1);
    expect(lines.some((l) => l.fields.event === 'worker_restarted' && l.fields.worker === 0)).toBe(true);
    expect(sumCounters(p.counters).restarts).toBe(1);
    // The restarted worker serves the current generation and acks the next one.
    expect(await withTimeout(publisher.publish([zone('after.', 50)], ['crash.']), 5000)).toBe(2);
  });

  it('fails start() with the worker\'s own message when it cannot listen', async () => {
    const { pool: p } = pool(2, 1);
    await expect(p.start()).rejects.toThrow('cannot listen on 127.0.0.1:1: EACCES');
  });

  it('stop() ends every worker', async () => {
    const { pool: p } = pool(2);
    await p.start();
    expect(await withTimeout(p.stop(), 5000)).toBeUndefined();
  });
});
