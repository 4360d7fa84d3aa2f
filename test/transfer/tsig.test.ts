// TSIG against real clients: kdig and dig sign queries we verify, and verify the answers we sign.
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMessage, flags, parseMessage, readHeader } from '../../src/transfer/message.ts';
import {
  Keyring, StreamVerifier, TSIG_BADKEY, TSIG_BADSIG, TSIG_BADTIME, findTsig, makeKey, sign, stripTsig, verifyWith,
} from '../../src/transfer/tsig.ts';
import { parseName } from '../../src/zone/name.ts';

const SECRET = Buffer.from('a test secret for peregrine tsig').toString('base64');

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${cmd} is not installed (package knot-dnsutils / bind9-dnsutils)`);
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

/** A UDP server that verifies each query's TSIG and answers with a response signed by `answerKey`. */
let server: dgram.Socket;
let port = 0;
const seen: { ok: boolean; error?: number }[] = [];
let keyring = new Keyring([]);
let corruptAnswer = false;

beforeAll(async () => {
  server = dgram.createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    const q = new Uint8Array(msg);
    const t = findTsig(q)!;
    const v = keyring.verifyRequest(q, t);
    seen.push(v.ok ? { ok: true } : { ok: false, error: v.error });
    if (!v.ok) return;
    const parsed = parseMessage(stripTsig(q, t));
    const h = readHeader(q);
    const answer = buildMessage({
      id: h.id, flags: flags({ qr: true, aa: true, opcode: 0 }), question: parsed.question,
      answers: [{ owner: parsed.question!.name, type: 1, class: 1, ttl: 60, rdata: new Uint8Array([192, 0, 2, 1]) }],
    });
    const signed = sign(v.key, answer, { prior: t.mac }).message;
    if (corruptAnswer) signed[signed.length - 10] ^= 1;
    server.send(signed, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  port = (server.address() as { port: number }).port;
});
afterAll(() => server.close());

describe('TSIG with kdig and dig', () => {
  for (const alg of ['hmac-sha1', 'hmac-sha256', 'hmac-sha512']) {
    it(`${alg}: kdig's signed query verifies, our signed answer verifies in kdig`, async () => {
      keyring = new Keyring([makeKey('test-key', alg, SECRET)]);
      seen.length = 0;
      corruptAnswer = false;
      const r = await run('kdig', ['-y', `${alg}:test-key:${SECRET}`, '@127.0.0.1', '-p', String(port), 'www.example.', 'A']);
      expect(seen).toEqual([{ ok: true }]);
      expect(r.out).toContain('192.0.2.1');
      expect(r.out).toContain(`${alg}. `);
      expect(r.out).not.toMatch(/WARNING|fail/i);
    });
  }

  it('dig (BIND) with hmac-sha256: verifies both ways; a corrupted answer MAC is caught by dig', async () => {
    keyring = new Keyring([makeKey('test-key', 'hmac-sha256', SECRET)]);
    seen.length = 0;
    corruptAnswer = false;
    const good = await run('dig', ['+tries=1', '+time=2', '-y', `hmac-sha256:test-key:${SECRET}`, '@127.0.0.1', '-p', String(port), 'www.example.', 'A']);
    expect(good.out).toContain('192.0.2.1');
    expect(good.out).not.toMatch(/tsig verify failure|expected a TSIG/i);
    corruptAnswer = true;
    const bad = await run('dig', ['+tries=1', '+time=2', '-y', `hmac-sha256:test-key:${SECRET}`, '@127.0.0.1', '-p', String(port), 'www.example.', 'A']);
    expect(bad.out).toMatch(/tsig verify failure|bad signature|BADSIG/i);
    expect(seen.every((s) => s.ok)).toBe(true);
  });

  it('a query signed with another secret or an unknown key is rejected as BADSIG / BADKEY', async () => {
    keyring = new Keyring([makeKey('test-key', 'hmac-sha256', SECRET)]);
    seen.length = 0;
    const other = Buffer.from('another secret').toString('base64');
    await run('kdig', ['+retry=0', '+timeout=1', '-y', `hmac-sha256:test-key:${other}`, '@127.0.0.1', '-p', String(port), 'www.example.', 'A']);
    await run('kdig', ['+retry=0', '+timeout=1', '-y', `hmac-sha256:nobody:${SECRET}`, '@127.0.0.1', '-p', String(port), 'www.example.', 'A']);
    expect(seen.map((s) => s.error)).toEqual([TSIG_BADSIG, TSIG_BADKEY]);
  });
});

describe('TSIG streams and time', () => {
  const key = makeKey('k', 'hmac-sha256', SECRET);
  const msg = (id: number) =>
    buildMessage({ id, flags: flags({ qr: true }), question: { name: parseName('example.', null), type: 252, class: 1 } });

  it('signs a stream where later messages cover the timers only, with unsigned messages between', () => {
    const request = sign(key, msg(7)).mac;
    const first = sign(key, msg(7), { prior: request });
    const unsigned = msg(7);
    const third = sign(key, msg(7), { prior: first.mac, timersOnly: true, unsigned: [unsigned] });
    const v = new StreamVerifier(key, request);
    expect(v.push(first.message)).toBe(true);
    expect(v.push(unsigned)).toBe(false);
    expect(v.push(third.message)).toBe(true);
    expect(() => v.end()).not.toThrow();
    // A tampered later message fails.
    const v2 = new StreamVerifier(key, request);
    v2.push(first.message);
    const bad = Uint8Array.from(third.message);
    bad[3] ^= 0x04;
    expect(() => v2.push(bad)).toThrow(/MAC/);
    // A stream whose last message is unsigned does not end well.
    const v3 = new StreamVerifier(key, request);
    v3.push(first.message);
    v3.push(unsigned);
    expect(() => v3.end()).toThrow(/last message/);
  });

  it('BADTIME outside the fudge', () => {
    const signed = sign(key, msg(1), { time: 1_000_000, fudge: 300 }).message;
    const t = findTsig(signed)!;
    expect(verifyWith(key, signed, t, { now: 1_000_299 }).ok).toBe(true);
    const r = verifyWith(key, signed, t, { now: 1_000_301 });
    expect(r.ok ? 0 : r.error).toBe(TSIG_BADTIME);
  });
});
