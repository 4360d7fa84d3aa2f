// The Grafana dashboard (deploy/grafana/peregrine.json) and the Prometheus rules
// (deploy/prometheus/peregrine-rules.yml) only use metrics a running server exports: every
// peregrine_* name in their expressions is scraped from /metrics of a server with a zone and a
// secondary zone configured (histogram series _bucket/_sum/_count by their base name).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { metricsText, startServing, stopServers } from '../serve-harness.ts';

const ROOT = path.resolve('.');
const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/peregrine.json'), 'utf8')) as {
  panels: { title: string; targets: { expr: string }[] }[];
};
const rules = parse(readFileSync(path.join(ROOT, 'deploy/prometheus/peregrine-rules.yml'), 'utf8')) as {
  groups: { rules: { alert: string; expr: string }[] }[];
};

function names(exprs: string[]): Set<string> {
  const out = new Set<string>();
  for (const e of exprs) for (const m of e.matchAll(/\bperegrine_[a-z0-9_]+/g)) out.add(m[0].replace(/_(bucket|sum|count)$/, ''));
  return out;
}

const dashboardNames = names(dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)));
const ruleNames = names(rules.groups.flatMap((g) => g.rules.map((r) => r.expr)));

afterAll(stopServers);

describe('dashboard and alert rules', () => {
  it('cover what the issue asks for', () => {
    for (const n of ['peregrine_worker_queries_total', 'peregrine_queries_total', 'peregrine_dropped_total', 'peregrine_rrl_total',
      'peregrine_zone_serial', 'peregrine_zone_reload_total', 'peregrine_zone_signature_expiry_seconds', 'peregrine_transfers_total',
      'peregrine_notify_total', 'peregrine_tcp_connections']) expect(dashboardNames, n).toContain(n);
    for (const n of ['peregrine_zone_signature_expiry_seconds', 'peregrine_secondary_expiry_seconds', 'peregrine_secondary_expired',
      'peregrine_zone_reload_total', 'peregrine_worker_restarts_total', 'peregrine_rrl_total', 'peregrine_dropped_total']) expect(ruleNames, n).toContain(n);
  });

  it('use only metric names that a running server exports', async () => {
    const { httpPort } = await startServing([
      '--zone-dir', 'examples', '--workers', '1', '--rrl', '100',
      // A secondary whose primary never answers: its gauges are registered all the same.
      '--secondary', 'secondary.example.=127.0.0.1:9', '--allow-transfer', '127.0.0.1',
    ]);
    const text = await metricsText(httpPort);
    const exported = new Set([...text.matchAll(/^# TYPE (peregrine_[a-z0-9_]+) /gm)].map((m) => m[1]));
    expect(exported.size).toBeGreaterThan(10);
    const missing = [...dashboardNames, ...ruleNames].filter((n) => !exported.has(n));
    expect(missing).toEqual([]);
  });
});
