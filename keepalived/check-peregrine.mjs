// The DNS health probe behind keepalived/check-peregrine (the shell wrapper keepalived runs).
// Plain JavaScript on purpose: Node starts it in ~20 ms without type stripping, and it uses
// nothing but Node's own modules, so it runs wherever the appliance's node_modules/.bin/node is.
//
// Usage: check-peregrine [-t SECONDS] [-q] HOST [PORT]      (exit 0 healthy, 1 anything else)
// See the wrapper's header for the full contract.

import dgram from 'node:dgram';
import net from 'node:net';
import { randomInt } from 'node:crypto';

const USAGE = 'usage: check-peregrine [-t SECONDS] [-q] HOST [PORT]   (HOST: IPv4/IPv6 literal; PORT default 53; -t or PEREGRINE_CHECK_TIMEOUT: default 1)';
const HEALTHY = 0;
const UNHEALTHY = 1;

const QTYPE_TXT = 16;
const QCLASS_CH = 3;
const QNAME = ['health', 'peregrine'];
const EXPECTED_TXT = 'serving';
const RCODES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE'];

let quiet = false;
let target = '';
const started = process.hrtime.bigint();

function elapsedMs() {
  return Number((process.hrtime.bigint() - started) / 1000n) / 1000;
}

/** Print one line and exit now: no lingering handle can delay the verdict. */
function finish(code, message) {
  const line = `check-peregrine: ${target}${target ? ': ' : ''}${message} (${elapsedMs().toFixed(1)} ms)\n`;
  if (code === HEALTHY) {
    if (!quiet) process.stdout.write(line);
  } else {
    process.stderr.write(line);
  }
  process.exit(code);
}

/** A command-line mistake: the message and the usage line, exit 1 (see the wrapper's header). */
function usage(message) {
  process.stderr.write(`check-peregrine: ${message}\n${USAGE}\n`);
  process.exit(UNHEALTHY);
}

function parseArgs(argv) {
  let timeoutText = process.env.PEREGRINE_CHECK_TIMEOUT || '1';
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-t' || a === '--timeout') {
      if (i + 1 >= argv.length) usage(`${a} needs a value`);
      timeoutText = argv[++i];
    } else if (a.startsWith('--timeout=')) {
      timeoutText = a.slice('--timeout='.length);
    } else if (a === '-q' || a === '--quiet') {
      quiet = true;
    } else if (a === '-h' || a === '--help') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(UNHEALTHY);
    } else if (a.startsWith('-') && a.length > 1) {
      usage(`unknown option ${a}`);
    } else {
      positional.push(a);
    }
  }
  if (positional.length < 1 || positional.length > 2) usage(`expected HOST [PORT]`);
  let host = positional[0];
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (net.isIP(host) === 0) usage(`HOST must be an IP address, not ${JSON.stringify(positional[0])}`);
  const portText = positional[1] ?? '53';
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) usage(`bad PORT ${JSON.stringify(portText)}`);
  const seconds = /^[0-9]+(\.[0-9]+)?$/.test(timeoutText) ? Number(timeoutText) : NaN;
  if (!(seconds >= 0.01 && seconds <= 60)) usage(`bad timeout ${JSON.stringify(timeoutText)} (seconds, 0.01 to 60)`);
  return { host, port, timeoutMs: Math.round(seconds * 1000) };
}

/** The query: random ID, no flags (RD=0), one question CH TXT health.peregrine., no EDNS. */
function buildQuery(id) {
  const parts = [Buffer.from([id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of QNAME) parts.push(Buffer.from([label.length]), Buffer.from(label, 'ascii'));
  parts.push(Buffer.from([0, 0, QTYPE_TXT, 0, QCLASS_CH]));
  return Buffer.concat(parts);
}

/** Read a (possibly compressed) name at `offset`: { labels (lowercased), next } or throws. */
function readName(msg, offset) {
  const labels = [];
  let next = -1;
  let pos = offset;
  for (let jumps = 0; ; ) {
    if (pos >= msg.length) throw new Error('name runs past the message');
    const len = msg[pos];
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { labels, next };
    }
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= msg.length) throw new Error('compression pointer cut short');
      if (++jumps > 32) throw new Error('compression loop');
      if (next < 0) next = pos + 2;
      pos = ((len & 0x3f) << 8) | msg[pos + 1];
      continue;
    }
    if (len > 63) throw new Error('bad label length');
    if (pos + 1 + len > msg.length) throw new Error('label runs past the message');
    labels.push(msg.toString('latin1', pos + 1, pos + 1 + len).toLowerCase());
    pos += 1 + len;
  }
}

function isHealthName(labels) {
  return labels.length === QNAME.length && labels.every((l, i) => l === QNAME[i]);
}

/**
 * Judge a reply to our query: null if it is not ours (other ID: keep waiting), else
 * { healthy, reason }.
 */
function judge(msg, id) {
  if (msg.length < 12) return { healthy: false, reason: `short reply (${msg.length} bytes)` };
  if (msg.readUInt16BE(0) !== id) return null;
  const flags = msg.readUInt16BE(2);
  if ((flags & 0x8000) === 0) return { healthy: false, reason: 'reply is not a response (QR=0)' };
  const opcode = (flags >> 11) & 0xf;
  if (opcode !== 0) return { healthy: false, reason: `reply opcode ${opcode}` };
  const rcode = flags & 0xf;
  if (rcode !== 0) {
    const name = RCODES[rcode] ?? `RCODE${rcode}`;
    const why = rcode === 2 ? ' (draining, or a zone expired)' : '';
    return { healthy: false, reason: `${name}${why}` };
  }
  if (flags & 0x0200) return { healthy: false, reason: 'truncated reply (TC=1)' };
  const qdcount = msg.readUInt16BE(4);
  const ancount = msg.readUInt16BE(6);
  if (qdcount !== 1) return { healthy: false, reason: `reply has ${qdcount} questions` };
  try {
    const q = readName(msg, 12);
    if (q.next + 4 > msg.length) throw new Error('question cut short');
    if (!isHealthName(q.labels) || msg.readUInt16BE(q.next) !== QTYPE_TXT || msg.readUInt16BE(q.next + 2) !== QCLASS_CH) {
      return { healthy: false, reason: 'reply is for another question' };
    }
    let pos = q.next + 4;
    const seen = [];
    for (let i = 0; i < ancount; i++) {
      const owner = readName(msg, pos);
      pos = owner.next;
      if (pos + 10 > msg.length) throw new Error('record cut short');
      const type = msg.readUInt16BE(pos);
      const klass = msg.readUInt16BE(pos + 2);
      const rdlength = msg.readUInt16BE(pos + 8);
      const rdata = pos + 10;
      if (rdata + rdlength > msg.length) throw new Error('RDATA runs past the message');
      pos = rdata + rdlength;
      if (type !== QTYPE_TXT || klass !== QCLASS_CH || !isHealthName(owner.labels)) continue;
      if (rdlength < 1 || msg[rdata] + 1 !== rdlength) {
        seen.push('(not one TXT string)');
        continue;
      }
      const text = msg.toString('latin1', rdata + 1, rdata + rdlength);
      if (text === EXPECTED_TXT) return { healthy: true, reason: `NOERROR, TXT "${text}"` };
      seen.push(JSON.stringify(text));
    }
    return { healthy: false, reason: seen.length ? `NOERROR but TXT ${seen.join(', ')}, not "${EXPECTED_TXT}"` : 'NOERROR but no CH TXT health.peregrine. answer' };
  } catch (err) {
    return { healthy: false, reason: `malformed reply: ${err.message}` };
  }
}

function main() {
  const { host, port, timeoutMs } = parseArgs(process.argv.slice(2));
  target = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const id = randomInt(0, 0x10000);
  const query = buildQuery(id);

  // The deadline, whatever happens below (no answer, no route, a blocked send).
  setTimeout(() => finish(UNHEALTHY, `no answer within ${timeoutMs} ms`), timeoutMs);

  const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
  socket.on('error', (err) => {
    // A connected UDP socket reports ICMP port/host unreachable as ECONNREFUSED/EHOSTUNREACH.
    const what = err.code === 'ECONNREFUSED' ? 'port closed (ICMP port unreachable)' : `${err.code ?? 'error'}: ${err.message}`;
    finish(UNHEALTHY, what);
  });
  socket.on('message', (msg) => {
    const verdict = judge(msg, id);
    if (verdict === null) return; // not our ID: keep waiting for ours
    finish(verdict.healthy ? HEALTHY : UNHEALTHY, verdict.reason);
  });
  // connect(): only the server's datagrams reach us, and ICMP errors surface as socket errors.
  socket.connect(port, host, () => {
    const send = () => socket.send(query, (err) => err && finish(UNHEALTHY, `send: ${err.code ?? err.message}`));
    send();
    // One retransmission halfway through, so that a single lost datagram is not a failed check.
    setTimeout(send, Math.floor(timeoutMs / 2)).unref();
  });
}

main();
