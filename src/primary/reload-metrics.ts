// peregrine_reload_duration_seconds: how long a zone version takes from reading its file to every
// worker serving it. Not derived from the zone registry, so it is observed as loads happen.

import { Histogram, type Registry } from 'prom-client';

/** From a few milliseconds (small zones) to a minute (millions of records). */
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Registers the histogram in `registry`; returns the function that observes one load. */
export function reloadDurationHistogram(registry: Registry): (seconds: number) => void {
  const histogram = new Histogram({
    name: 'peregrine_reload_duration_seconds',
    help: 'Time from reading a zone file to every worker serving the new version (start-up loads, reloads, SIGHUP), for versions that went into service.',
    buckets: BUCKETS,
    registers: [registry],
  });
  return (seconds) => histogram.observe(seconds);
}
