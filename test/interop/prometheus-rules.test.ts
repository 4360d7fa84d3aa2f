// deploy/prometheus/peregrine-rules.yml as Prometheus reads it: `promtool check rules` accepts it,
// and `promtool test rules` shows a few alerts firing on made-up series (and staying quiet on
// healthy ones). Needs promtool (Debian's prometheus package).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { REPO_ROOT } from './corpus.ts';

const RULES = path.join(REPO_ROOT, 'deploy', 'prometheus', 'peregrine-rules.yml');
let dir = '';
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

function promtool(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('promtool', args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: number }).code ?? -1), out: stdout + stderr });
    });
  });
}

test('promtool check rules accepts the rules file', async () => {
  const r = await promtool(['check', 'rules', RULES]);
  expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  expect(r.code).toBe(0);
});

test('promtool test rules: expired secondaries, worker restarts and expiring signatures fire; healthy series do not', async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peregrine-promtool-'));
  const tests = path.join(dir, 'tests.yml');
  // Times in the test start at 0 (Unix time 0), so "expiry" values are small numbers of seconds.
  await writeFile(tests, `rule_files: [${JSON.stringify(RULES)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - series: 'peregrine_secondary_expired{instance="a", zone="gone."}'
        values: '1x10'
      - series: 'peregrine_secondary_expired{instance="a", zone="fine."}'
        values: '0x10'
      - series: 'peregrine_zone_reload_total{instance="a", zone="bad.", result="error"}'
        values: '0 1 2 3 4 5 6 7 8 9 10'
      - series: 'peregrine_zone_reload_total{instance="a", zone="good.", result="ok"}'
        values: '0 1 2 3 4 5 6 7 8 9 10'
      - series: 'peregrine_worker_restarts_total{instance="a"}'
        values: '0 0 0 0 1 1 1 1 1 1 1'
      - series: 'peregrine_zone_signature_expiry_seconds{instance="a", zone="soon."}'
        values: '86400x30'
      - series: 'peregrine_zone_signature_expiry_seconds{instance="a", zone="later."}'
        values: '8640000x30'
    alert_rule_test:
      - eval_time: 5m
        alertname: PeregrineSecondaryExpired
        exp_alerts:
          - exp_labels: { severity: critical, instance: a, zone: gone. }
            exp_annotations: { summary: "Secondary zone gone. has expired: answered SERVFAIL, /healthz 503" }
      - eval_time: 10m
        alertname: PeregrineWorkersRestarting
        exp_alerts:
          - exp_labels: { severity: warning, instance: a }
            exp_annotations: { summary: "1 worker restart(s) in 15 minutes on a" }
      - eval_time: 30m
        alertname: PeregrineSignaturesExpiring
        exp_alerts:
          - exp_labels: { severity: warning, instance: a, zone: soon. }
            exp_annotations: { summary: "Zone soon.: signatures expire in 23h 30m 0s" }
      - eval_time: 30m
        alertname: PeregrineSignaturesExpired
        exp_alerts: []
`);
  const r = await promtool(['test', 'rules', tests]);
  expect(r.out).toMatch(/SUCCESS/);
  expect(r.code).toBe(0);
}, 60_000);
