// The health checker: bounded probes in flight, first result decides, fails/succs in a row after,
// shared probes per (check, endpoint), targets kept across setTargets.

import { describe, expect, it } from 'vitest';
import { parseAddress } from '../../../src/sources/services/address.ts';
import { HealthChecker, targetKey } from '../../../src/sources/services/checker.ts';
import type { CheckSpec } from '../../../src/sources/services/config.ts';
import { until } from '../../helpers/until.ts';

const check = (over: Partial<CheckSpec> = {}): CheckSpec => ({
  kind: 'tcp', url: '', port: 80, dnsName: '', dnsType: 1, intervalMs: 20, timeoutMs: 10, fails: 2, succs: 2, ...over,
});
const ip = (t: string) => parseAddress(t)!;

describe('health checker', () => {
  it('never has more than maxInFlight probes running, and probes every target', async () => {
    let running = 0;
    let most = 0;
    const probed = new Set<string>();
    const checker = new HealthChecker({
      maxInFlight: 8,
      onChange: () => {},
      probe: async (_c, e) => {
        running++;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 5));
        probed.add(e.text);
        running--;
        return true;
      },
    });
    const targets = Array.from({ length: 200 }, (_, i) => ({ check: check({ intervalMs: 100 }), endpoint: ip(`10.0.${i >> 8}.${i & 255}`) }));
    checker.setTargets(targets);
    await checker.settled(10_000);
    expect(probed.size).toBe(200);
    expect(most).toBeLessThanOrEqual(8);
    expect(most).toBeGreaterThan(1);
    checker.close();
  });

  it('applies the first result at once, then needs fails/succs results in a row', async () => {
    const results: boolean[] = [true, false, true, false, false, true, true];
    const changes: string[] = [];
    let calls = 0;
    const checker = new HealthChecker({
      random: () => 0,
      onChange: (_t, to) => changes.push(`${calls}:${to}`),
      probe: async () => results[calls++] ?? true,
    });
    checker.setTargets([{ check: check(), endpoint: ip('10.0.0.1') }]);
    await until(() => calls >= results.length, { what: 'every scripted probe' });
    // Probe 1 up (first result); 2 down, 3 up: no change; 4, 5 down: down after 5; 6, 7 up: up after 7.
    expect(changes).toEqual(['1:up', '5:down', '7:up']);
    checker.close();
  });

  it('one probe loop per (check, endpoint); a target kept across setTargets keeps its state', async () => {
    const seen: string[] = [];
    const checker = new HealthChecker({ onChange: () => {}, probe: async (_c, e) => (seen.push(e.text), false) });
    const t = { check: check({ intervalMs: 60_000 }), endpoint: ip('10.0.0.1') };
    checker.setTargets([t, { ...t }]);
    await checker.settled(5000);
    expect(seen).toEqual(['10.0.0.1']);
    const key = targetKey(t.check, t.endpoint);
    expect(checker.get(key)?.health.state).toBe('down');
    checker.setTargets([t, { check: t.check, endpoint: ip('10.0.0.2') }]);
    expect(checker.get(key)?.health.state).toBe('down');
    await checker.settled(5000);
    expect(seen).toEqual(['10.0.0.1', '10.0.0.2']);
    checker.setTargets([]);
    expect(checker.get(key)).toBeUndefined();
    checker.close();
  });

  it('a probe that throws is a failed probe', async () => {
    const checker = new HealthChecker({ onChange: () => {}, probe: async () => { throw new Error('boom'); } });
    const t = { check: check({ intervalMs: 60_000 }), endpoint: ip('10.0.0.9') };
    checker.setTargets([t]);
    await checker.settled(5000);
    expect(checker.get(targetKey(t.check, t.endpoint))?.health.state).toBe('down');
    checker.close();
  });
});
