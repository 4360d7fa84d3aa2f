// Builds the batched-UDP addon (native/mmsg.c) at `npm install` / `npm ci` time, offline, for the
// Node running this script (the `node` package's 24.x, which npm puts first on PATH for scripts).
// Never fails the install: if the addon cannot be built, it says why, records the reason in
// native/build/status.json (the server logs it when it falls back to dgram) and exits 0.
//
// node-gyp first (npm's bundled one, or a node-gyp on the module path), with --nodedir pointing
// at the headers that the `node` package ships, so nothing is downloaded. If node-gyp is not
// there or fails, the C compiler directly (cc -shared): the addon is one C file.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const HERE = import.meta.dirname;
const ROOT = path.resolve(HERE, '..');
const OUT_DIR = path.join(HERE, 'build', 'Release');
const ADDON = path.join(OUT_DIR, 'peregrine_mmsg.node');
const STATUS = path.join(HERE, 'build', 'status.json');
const require = createRequire(import.meta.url);

const say = (text) => process.stdout.write(`peregrine native: ${text}\n`);

function finish(ok, how, reason) {
  mkdirSync(path.dirname(STATUS), { recursive: true });
  writeFileSync(STATUS, `${JSON.stringify({ ok, how, reason, node: process.version, date: new Date().toISOString() }, null, 2)}\n`);
  if (ok) say(`built ${path.relative(ROOT, ADDON)} with ${how} for Node ${process.version}`);
  else say(`not built (${reason}); peregrine serve will use --io dgram`);
  process.exit(0);
}

/** The directory holding include/node for the Node that runs us. */
function nodeDir() {
  const exec = realpathSync(process.execPath);
  const candidates = [
    path.resolve(path.dirname(exec), '..'),
    path.join(ROOT, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`),
    path.resolve(path.dirname(exec), '..', 'node_modules', `node-${process.platform}-${process.arch}`),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, 'include', 'node', 'node_api.h'))) ?? null;
}

function nodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.resolve(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(ROOT, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  try {
    candidates.push(require.resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not on the module path
  }
  for (const dir of ['/usr/lib/node_modules/npm', '/usr/local/lib/node_modules/npm', '/usr/share/nodejs/npm']) {
    candidates.push(path.join(dir, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  return candidates.find((file) => file.endsWith('.js') && existsSync(file)) ?? null;
}

function run(cmd, args, env = process.env) {
  const r = spawnSync(cmd, args, { cwd: HERE, env, encoding: 'utf8', timeout: 180_000 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.error) return { ok: false, why: r.error.message, output };
  return { ok: r.status === 0, why: `exit ${r.status ?? r.signal}`, output };
}

/** Loads in this process: the same Node the server runs. */
function loads() {
  try {
    const addon = require(ADDON);
    return typeof addon.open === 'function' ? null : 'it loads but has no open()';
  } catch (err) {
    return err.message;
  }
}

function lastLines(text, n = 15) {
  return text.split('\n').slice(-n).join('\n');
}

// A failed build must not leave an older addon behind to be loaded.
rmSync(ADDON, { force: true });
if (process.env.PEREGRINE_SKIP_NATIVE === '1') finish(false, null, 'PEREGRINE_SKIP_NATIVE=1');
if (process.platform !== 'linux') finish(false, null, `recvmmsg/sendmmsg are Linux system calls; this is ${process.platform}`);
const nodedir = nodeDir();
if (nodedir === null) finish(false, null, `no Node headers (include/node/node_api.h) found for ${process.execPath}`);

const problems = [];
const gyp = nodeGyp();
if (gyp !== null) {
  // No network: headers come from --nodedir; devdir keeps node-gyp's cache inside the build.
  const env = { ...process.env, npm_config_nodedir: nodedir, npm_config_offline: 'true' };
  const r = run(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, `--devdir=${path.join(HERE, 'build', '.gyp')}`], env);
  if (r.ok && existsSync(ADDON)) {
    const error = loads();
    if (error === null) finish(true, `node-gyp (${path.relative(ROOT, gyp) || gyp})`, null);
    problems.push(`node-gyp built an addon that does not load: ${error}`);
  } else {
    problems.push(`node-gyp failed (${r.why})`);
    say(`node-gyp failed (${r.why}):\n${lastLines(r.output)}`);
  }
} else {
  problems.push('node-gyp not found');
}

// The compiler directly: what node-gyp would do for this one file.
const cc = process.env.CC ?? 'cc';
mkdirSync(OUT_DIR, { recursive: true });
const r = run(cc, [
  '-O2', '-Wall', '-fPIC', '-shared', '-DNAPI_VERSION=8', '-D_GNU_SOURCE',
  `-I${path.join(nodedir, 'include', 'node')}`, '-o', ADDON, path.join(HERE, 'mmsg.c'),
]);
if (r.ok && existsSync(ADDON)) {
  const error = loads();
  if (error === null) finish(true, `${cc} directly (${problems.join('; ')})`, null);
  problems.push(`${cc} built an addon that does not load: ${error}`);
} else {
  problems.push(`${cc} failed (${r.why})`);
  if (r.output) say(`${cc} output:\n${lastLines(r.output)}`);
}
finish(false, null, problems.join('; '));
