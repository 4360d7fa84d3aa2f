// One compile measurement in a fresh process (so a 1M-name compile does not share a heap with
// the harness): generate a zone of N names, parse it and compile it with src/compile, print JSON.
//
//   node_modules/.bin/node bench/compile-one.ts --names 100000
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseZoneFile } from '../src/zone/parse-zone.ts';
import { compile } from '../src/compile/compile-zone.ts';
import { zoneText } from './lib/workload.ts';

const { values } = parseArgs({ options: { names: { type: 'string', default: '10000' } } });
const names = Number(values.names);
const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-bench-compile-'));
try {
  const file = path.join(dir, 'bench.zone');
  writeFileSync(file, zoneText(names));
  const t0 = performance.now();
  const { zone, errors } = parseZoneFile(file);
  const t1 = performance.now();
  if (errors.length > 0) throw new Error(`zone errors: ${errors[0].message}`);
  const c = compile(zone);
  const t2 = performance.now();
  const result = {
    names,
    records: c.records,
    nodes: c.nodes,
    parseMs: Math.round(t1 - t0),
    compileMs: Math.round(t2 - t1),
    imageBytes: c.image.byteLength,
    bytesPerRecord: Number((c.image.byteLength / c.records).toFixed(1)),
    heapMiB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
