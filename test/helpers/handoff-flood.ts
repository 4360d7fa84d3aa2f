// A flood of the packets workers hand to the primary (IXFR, AXFR, NOTIFY, TSIG-signed queries),
// with random names, from many source ports, bounded in count and rate (an answer window),
// loopback only. Used by the unit test (fewer packets) and the interop suite (100,000).
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { encodeQuery } from './engine.ts';
import { seededRandom } from './random.ts';
import { until } from './until.ts';
import { healthz, query, scrape, startServing, udpQuery } from '../serve-harness.ts';

const ZONE_FILE = path.resolve('examples/shop.example.zone');
const KEY = { name: 'flood-key.', secret: Buffer.alloc(32, 5).toString('base64') };
const SOCKETS = 64;
const WINDOW = 64;

function wire(name: string): number[] {
  const out: number[] = [];
  for (const l of name.split('.').filter(Boolean)) out.push(l.length, ...Buffer.from(l));
  out.push(0);
  return out;
}

/** A query with a TSIG record of `key` (a MAC that cannot verify: the primary answers BADSIG/BADKEY). */
function signed(name: string, type: string, keyName: string, rand: () => number): Uint8Array {
  const q = [...encodeQuery(name, type)];
  const now = Math.floor(Date.now() / 1000);
  const mac = Array.from({ length: 32 }, () => Math.floor(rand() * 256));
  const rdata = [...wire('hmac-sha256.'), 0, 0, (now >>> 24) & 255, (now >>> 16) & 255, (now >>> 8) & 255, now & 255, 1, 44, 0, 32, ...mac, q[0], q[1], 0, 0, 0, 0];
  q.push(...wire(keyName), 0, 250, 0, 255, 0, 0, 0, 0, rdata.length >> 8, rdata.length & 255, ...rdata);
  q[11] += 1;
  return Uint8Array.from(q);
}

function randomLabel(rand: () => number): string {
  return Array.from({ length: 4 + Math.floor(rand() * 12) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
}

/** Packet i: kinds 0-3 name no zone we serve (answered by the workers), 4 is signed inside ours. */
function packet(i: number, rand: () => number, kinds: number): Uint8Array {
  const name = `${randomLabel(rand)}.${rand() < 0.5 ? 'example' : randomLabel(rand)}.`;
  let b: Uint8Array;
  switch (i % kinds) {
    case 0: b = Uint8Array.from(encodeQuery(name, 'IXFR')); break;
    case 1: b = Uint8Array.from(encodeQuery(name, 'AXFR')); break;
    case 2: b = Uint8Array.from(encodeQuery(name, 'SOA')); b[2] = (b[2] & 0x87) | (4 << 3); break; // NOTIFY
    case 3: b = signed(name, 'A', `${randomLabel(rand)}.`, rand); break;
    // Signed, inside our zone, with an unknown key: handed off, the primary says BADKEY.
    default: b = signed(`${randomLabel(rand)}.shop.example.`, 'A', `${randomLabel(rand)}.`, rand); break;
  }
  b[0] = Math.floor(rand() * 256);
  b[1] = Math.floor(rand() * 256);
  return b;
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]);
}

export interface FloodReport { packets: number; answered: number; seconds: number; rssGrowthKiB: number; series: number }

/**
 * `kinds` 5 includes signed queries inside our zone with unknown keys, which the primary
 * answers (BADKEY): see the report in test/interop/handoff-flood.test.ts for why the 100k run
 * leaves them out.
 */
export async function handoffFlood(packets: number, kinds = 5): Promise<FloodReport> {
  const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-handoff-flood-'));
  const config = path.join(dir, 'peregrine.yaml');
  writeFileSync(config, [
    'tsig-keys:',
    `  - { name: ${KEY.name}, algorithm: hmac-sha256, secret: "${KEY.secret}" }`,
    'allow-transfer: [127.0.0.0/8]',
    'secondary:',
    '  - { origin: sec.example., primaries: ["127.0.0.1:9"] }',
  ].join('\n') + '\n');
  const { s, dnsPort, httpPort } = await startServing(['--config', config, '--zone', ZONE_FILE, '--workers', '2']);
  const sockets = await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<dgram.Socket>((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  })));
  try {
    let received = 0;
    let wake: (() => void) | null = null;
    for (const socket of sockets) socket.on('message', () => { received++; wake?.(); });
    const rand = seededRandom(0x5eed);
    const send = async (count: number, from: number) => {
      for (let i = from; i < from + count; i++) {
        sockets[i % SOCKETS].send(packet(i, rand, kinds), dnsPort, '127.0.0.1');
        // At most WINDOW answers outstanding; a lost one (a busy handoff queue drops) is waited
        // for a moment only: what matters is what the server keeps afterwards.
        for (let spins = 0; i + 1 - received > WINDOW && spins < 10; spins++) {
          await new Promise<void>((r) => { wake = r; setTimeout(r, 20); });
        }
        if (i % 1000 === 999) expect(await healthz(httpPort)).toBe(200);
      }
    };
    // Warm-up: every kind of packet, so every bounded series (rcodes, 'other', badkey) exists
    // and the heaps reach their working size before the baseline is taken.
    const warmUp = Math.max(50, Math.floor(packets / 10));
    await send(warmUp, 0);
    // The secondary zone's first refresh (its primary never answers) fails on its own clock and
    // adds its reload/failing series then: wait for it, so the baseline holds every configured zone.
    await until(async () => (await scrape(httpPort)).has('peregrine_zone_load_failing{zone="sec.example."}'), { what: 'the secondary zone\'s first refresh to fail', timeoutMs: 60_000 });
    const before = await scrape(httpPort);
    const rssBefore = rssKiB(s.child.pid!);
    const answeredBefore = received;
    const started = performance.now();
    await send(packets, warmUp);
    const seconds = (performance.now() - started) / 1000;
    const after = await scrape(httpPort);
    const rssGrowthKiB = rssKiB(s.child.pid!) - rssBefore;
    const added = [...after.keys()].filter((k) => !before.has(k));
    expect(added, 'series created by the flood').toEqual([]);
    expect(after.size).toBe(before.size);
    expect(rssGrowthKiB, 'RSS growth (KiB)').toBeLessThanOrEqual(20 * 1024);
    expect(await healthz(httpPort)).toBe(200);
    const res = await udpQuery(dnsPort, query('shop.example', 'SOA', 7));
    expect(res.rcode).toBe('NOERROR');
    expect(received - answeredBefore).toBeGreaterThan(packets / 2);
    return { packets, answered: received - answeredBefore, seconds, rssGrowthKiB, series: after.size };
  } finally {
    for (const socket of sockets) socket.close();
    s.child.kill('SIGTERM');
    await s.exited;
    rmSync(dir, { recursive: true, force: true });
  }
}
