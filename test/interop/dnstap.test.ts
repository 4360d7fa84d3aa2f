// dnstap next to the reference readers: Peregrine (--dnstap SOCKET) connects to the `dnstap`
// collector (golang-dnstap CLI, Frame Streams bidirectional handshake) and, for 1,000 queries,
// it prints 1,000 AUTH_QUERY and 1,000 AUTH_RESPONSE messages with our addresses, the client's
// port, and the names and types asked. The same stream captured into a Frame Streams file by a
// minimal collector here is read by dnstap-ldns alike.
import dgram from 'node:dgram';
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildQuery } from './helpers/dns-client.ts';
import { startPeregrine } from './helpers/peregrine.ts';
import { spawnServer, waitUntil } from './helpers/process.ts';
import { TEST_IDENTITY, TEST_VERSION } from './helpers/knotd.ts';
import { until } from '../helpers/until.ts';

const ZONE = `$ORIGIN dnstap.test.
$TTL 3600
@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
${Array.from({ length: 10 }, (_, i) => `n${i} A 192.0.2.${10 + i}\nn${i} AAAA 2001:db8::${i}\nn${i} TXT "n${i}"`).join('\n')}
`;
const TYPES = ['A', 'AAAA', 'TXT'] as const;
const QUERIES = 1000;

let dir = '';
let zoneFile = '';
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'peregrine-dnstap-'));
  zoneFile = path.join(dir, 'dnstap.test.zone');
  await writeFile(zoneFile, ZONE);
});
afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

/** Query i: n(i % 10).dnstap.test. of type TYPES[i % 3]. */
function question(i: number): { name: string; type: string } {
  return { name: `n${i % 10}.dnstap.test.`, type: TYPES[i % 3] };
}

/** Send the 1,000 queries one after another from one socket; returns its port. */
async function ask(port: number): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    for (let i = 0; i < QUERIES; i++) {
      const { name, type } = question(i);
      const q = buildQuery({ name, type, id: i });
      const answered = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer to query ${i}`)), 5000);
        socket.once('message', () => { clearTimeout(timer); resolve(); });
      });
      socket.send(q, port, '127.0.0.1');
      await answered;
    }
    return socket.address().port;
  } finally {
    socket.close();
  }
}

function expectedCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i < QUERIES; i++) {
    const { name, type } = question(i);
    counts.set(`${name} ${type}`, (counts.get(`${name} ${type}`) ?? 0) + 1);
  }
  return counts;
}

test('the dnstap collector reads 1,000 AUTH_QUERY and 1,000 AUTH_RESPONSE with the right addresses, names and types', async () => {
  const socketPath = path.join(dir, 'collector.sock');
  // YAML to a file (stdout is written as messages arrive; 2,000 messages outgrow a pipe capture).
  const yamlFile = path.join(dir, 'collector.yaml');
  const collector = spawnServer('sh', ['-c', 'exec dnstap -u "$0" -y > "$1"', socketPath, yamlFile]);
  let peregrine: Awaited<ReturnType<typeof startPeregrine>> | undefined;
  try {
    await waitUntil('dnstap collector socket', collector, async () => existsSync(socketPath), 10_000);
    peregrine = await startPeregrine({
      root: path.resolve(import.meta.dirname, '..', '..'),
      zones: [{ origin: 'dnstap.test.', file: zoneFile }],
      extraArgs: ['--dnstap', socketPath],
    });
    // startPeregrine asked for the SOA: those messages come first; count from here on.
    const clientPort = await ask(peregrine.port);
    const docs = () => readFileSync(yamlFile, 'utf8').split('\n---\n').filter((d) => /query_port: (\d+)/.exec(d)?.[1] === String(clientPort));
    await waitUntil('2,000 dnstap messages', collector, async () => docs().length >= 2 * QUERIES, 60_000);
    const messages = docs();
    expect(messages).toHaveLength(2 * QUERIES);
    const byType = { AUTH_QUERY: new Map<string, number>(), AUTH_RESPONSE: new Map<string, number>() };
    for (const d of messages) {
      const type = /\n {2}type: (AUTH_QUERY|AUTH_RESPONSE)\n/.exec(d)?.[1] as keyof typeof byType;
      expect(type).toBeDefined();
      expect(d).toMatch(/socket_family: INET\n/);
      expect(d).toMatch(/socket_protocol: UDP\n/);
      expect(d).toMatch(/query_address: 127\.0\.0\.1\n/);
      expect(d).toMatch(/response_address: 127\.0\.0\.1\n/);
      expect(d).toMatch(new RegExp(`response_port: ${peregrine.port}\\n`));
      // The helper runs Peregrine with --identity and --version-string TEST_IDENTITY / TEST_VERSION.
      expect(d).toMatch(new RegExp(`^identity: "${TEST_IDENTITY}"$`, 'm'));
      expect(d).toMatch(new RegExp(`^version: "${TEST_VERSION}"$`, 'm'));
      const q = /;(n\d\.dnstap\.test\.)\tIN\t (\S+)/.exec(d);
      expect(q, d).not.toBeNull();
      const key = `${q![1]} ${q![2]}`;
      byType[type].set(key, (byType[type].get(key) ?? 0) + 1);
      if (type === 'AUTH_RESPONSE') expect(d).toMatch(/status: NOERROR/);
    }
    expect(byType.AUTH_QUERY).toEqual(expectedCounts());
    expect(byType.AUTH_RESPONSE).toEqual(expectedCounts());
  } finally {
    await peregrine?.stop();
    await collector.stop();
  }
}, 120_000);

/**
 * A minimal bidirectional Frame Streams collector writing a Frame Streams file (START, the data
 * frames, STOP) for dnstap-ldns, which reads files only.
 */
function fileCollector(socketPath: string): { server: net.Server; file: () => Buffer; frames: () => number } {
  const ct = Buffer.from('protobuf:dnstap.Dnstap');
  const control = (type: number) => {
    const b = Buffer.alloc(20 + ct.length);
    b.writeUInt32BE(0, 0); b.writeUInt32BE(12 + ct.length, 4); b.writeUInt32BE(type, 8);
    b.writeUInt32BE(1, 12); b.writeUInt32BE(ct.length, 16); ct.copy(b, 20);
    return b;
  };
  const data: Buffer[] = [];
  const server = net.createServer((s) => {
    let buf = Buffer.alloc(0);
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (len === 0) {
          if (buf.length < 8) return;
          const clen = buf.readUInt32BE(4);
          if (buf.length < 8 + clen) return;
          const type = buf.readUInt32BE(8);
          if (type === 4) s.write(control(1)); // READY → ACCEPT
          if (type === 3) s.end(Buffer.from([0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 5])); // STOP → FINISH
          buf = buf.subarray(8 + clen);
        } else {
          if (buf.length < 4 + len) return;
          data.push(Buffer.from(buf.subarray(0, 4 + len)));
          buf = buf.subarray(4 + len);
        }
      }
    });
    s.on('error', () => {});
  });
  server.listen(socketPath);
  const stop = Buffer.from([0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 3]);
  return { server, file: () => Buffer.concat([control(2), ...data, stop]), frames: () => data.length };
}

test('dnstap-ldns reads the same stream from a Frame Streams file', async () => {
  const socketPath = path.join(dir, 'file-collector.sock');
  const c = fileCollector(socketPath);
  let peregrine: Awaited<ReturnType<typeof startPeregrine>> | undefined;
  try {
    peregrine = await startPeregrine({
      root: path.resolve(import.meta.dirname, '..', '..'),
      zones: [{ origin: 'dnstap.test.', file: zoneFile }],
      extraArgs: ['--dnstap', socketPath],
    });
    const before = c.frames();
    await ask(peregrine.port);
    await until(() => c.frames() >= before + 2 * QUERIES, { what: 'frames written', timeoutMs: 60_000 });
  } finally {
    await peregrine?.stop();
    c.server.close();
  }
  const file = path.join(dir, 'capture.fstrm');
  await writeFile(file, c.file());
  const out = await new Promise<string>((resolve, reject) => {
    execFile('dnstap-ldns', ['-r', file, '-q'], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const lines = out.split('\n').filter((l) => / n\d\.dnstap\.test\. /.test(l) || /n\d\.dnstap\.test\./.test(l));
  expect(lines.filter((l) => / AQ /.test(l))).toHaveLength(QUERIES);
  expect(lines.filter((l) => / AR /.test(l))).toHaveLength(QUERIES);
  expect(lines.every((l) => l.includes('127.0.0.1') && l.includes('UDP'))).toBe(true);
}, 120_000);
