// Interop: Peregrine serving a tinydns data file (--tinydns) must answer as the real tinydns
// (Debian's djbdns 1.05) answers from the same file, section by section (helpers/compare.ts),
// for every name and type in it, names that do not exist, wildcards, delegations, case
// variations, and from three client addresses (two tinydns locations and none).
//
// Run as root (tinydns binds port 53 of a free 127.0.0.x): npx vitest run --project interop test/interop/tinydns.test.ts
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from './corpus.ts';
import { diffNormalized, formatDiff, describe as describeResponse, normalize, type FieldDiff } from './helpers/compare.ts';
import { buildQuery, type QuerySpec } from './helpers/dns-client.ts';
import { startPeregrine, type PeregrineHandle } from './helpers/peregrine.ts';
import type { AcceptedDifference } from './helpers/run.ts';
import { startTinydns, udpQueryFrom, type TinydnsHandle } from './helpers/tinydns.ts';

/** The default SOA serial of both: the data file's mtime. */
const MTIME = 1_700_000_000;

// Every line type, the `x` rule, octal escapes, TTLs, timestamps, locations, wildcards, a
// delegation, a Z zone with explicit SOA values, reverse names, an out-of-zone NS/MX target.
const DATA = String.raw`# tinydns interop data
%in:127.0.0
%ex:127.0.1
.hello.lain:10.0.0.1:a
.hello.lain:10.0.0.2:b
&hello.lain::ns.other.lain
Zother.lain:ns.other.lain.:hostmaster.other.lain.:2024010101:7200:600:604800:300:3600
&other.lain:10.9.0.1:ns.other.lain
+mx2.other.lain:10.9.0.25
.10.in-addr.arpa:10.0.0.1:a
=web-1.hello.lain:10.1.0.1
=web-2.hello.lain:10.1.0.2:600
+web.hello.lain:10.1.0.1
+web.hello.lain:10.1.0.2
+web.hello.lain:10.1.0.3
+*.svc.hello.lain:10.2.0.1:300
+db.svc.hello.lain:10.2.0.9
+*.wild.hello.lain:10.4.0.1
'*.wild.hello.lain:wildcard text
+x.y.wild.hello.lain:10.4.0.2
+a.deep.hello.lain:10.3.0.1
@hello.lain:10.0.0.25:mail:10
@hello.lain::mx2.other.lain:20
@web-1.hello.lain::mail.hello.lain
'hello.lain:v=spf1 mx \072 -all
'long.hello.lain:0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789 and \101\102\103\777
^9.9.10.in-addr.arpa:Special.Hello.Lain
Cwww.hello.lain:web.hello.lain
Cext.hello.lain:www.example.com
CCased.hello.lain:Web-1.Hello.Lain
+Upper.Hello.LAIN:10.7.0.1
:gen.hello.lain:28:\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001
:gen.hello.lain:99:\014v=spf1 -all
:gen.hello.lain:257:\000\005issueca.example
&sub.hello.lain:10.0.0.53:ns1
&sub.hello.lain::ns.other.lain
+glue.sub.hello.lain:10.0.0.99
+soon.hello.lain:10.5.0.1:0:4000000080000000
+old.hello.lain:10.5.0.2:0:4000000050000000
+later.hello.lain:10.5.0.3:600:4000000080000000
+started.hello.lain:10.5.0.4:600:4000000050000000
+split.hello.lain:10.6.0.1:::in
+split.hello.lain:10.6.0.2:::ex
+split.hello.lain:10.6.0.3
+inonly.hello.lain:10.6.1.1:::in
'inonly.hello.lain:for ex:::ex
-dead.hello.lain:10.8.0.1
+lonely.example.net:1.2.3.4
`;

/** Names asked for: every owner, plus names that do not exist, wildcard matches, empty non-terminals. */
const NAMES = [
  'hello.lain', 'a.ns.hello.lain', 'b.ns.hello.lain', 'other.lain', 'ns.other.lain', 'mx2.other.lain', '10.in-addr.arpa',
  'a.ns.10.in-addr.arpa', '1.0.1.10.in-addr.arpa', '2.0.1.10.in-addr.arpa', '9.9.10.in-addr.arpa', '3.0.1.10.in-addr.arpa',
  'web-1.hello.lain', 'web-2.hello.lain', 'web.hello.lain', 'db.svc.hello.lain', 'anything.svc.hello.lain',
  'two.labels.svc.hello.lain', 'svc.hello.lain', '*.svc.hello.lain', 'wild.hello.lain', 'q.wild.hello.lain', 'y.wild.hello.lain',
  'x.y.wild.hello.lain', 'z.x.y.wild.hello.lain', 'a.deep.hello.lain', 'deep.hello.lain', 'b.a.deep.hello.lain',
  'mail.mx.hello.lain', 'mx.hello.lain', 'long.hello.lain', 'www.hello.lain', 'ext.hello.lain', 'cased.hello.lain',
  'upper.hello.lain', 'gen.hello.lain', 'sub.hello.lain', 'ns1.ns.sub.hello.lain', 'glue.sub.hello.lain',
  'deeper.below.sub.hello.lain', 'soon.hello.lain', 'old.hello.lain', 'later.hello.lain', 'started.hello.lain',
  'split.hello.lain', 'inonly.hello.lain', 'dead.hello.lain', 'nothing.hello.lain', 'nothing.other.lain',
];
const TYPES = ['A', 'NS', 'SOA', 'MX', 'TXT', 'PTR', 'CNAME', 'AAAA', 'ANY', 'SPF', 'CAA', 'SRV', 'DS'];
/** Client addresses: location `in`, location `ex`, and no location. */
const CLIENTS = ['127.0.0.1', '127.0.1.1', '127.0.2.1'];

interface Case {
  label: string;
  spec: QuerySpec;
  client: string;
}

function mixCase(name: string): string {
  return [...name].map((c, i) => (i % 2 === 0 ? c.toUpperCase() : c)).join('');
}

function corpus(): Case[] {
  const cases: Case[] = [];
  for (const client of CLIENTS) {
    for (const name of NAMES) {
      for (const type of TYPES) cases.push({ label: `from ${client} ${name}. ${type}`, spec: { name: `${name}.`, type }, client });
    }
  }
  const one = CLIENTS[2];
  for (const name of ['hello.lain', 'web.hello.lain', 'anything.svc.hello.lain', 'www.hello.lain', 'nothing.hello.lain', 'sub.hello.lain']) {
    cases.push({ label: `case ${mixCase(name)}. A`, spec: { name: `${mixCase(name)}.`, type: 'A' }, client: one });
    cases.push({ label: `case ${mixCase(name)}. MX`, spec: { name: `${mixCase(name)}.`, type: 'MX' }, client: one });
    cases.push({ label: `rd ${name}. A`, spec: { name: `${name}.`, type: 'A', rd: true }, client: one });
    cases.push({ label: `edns ${name}. A`, spec: { name: `${name}.`, type: 'A', edns: { udpPayloadSize: 1232 } }, client: one });
  }
  for (const name of ['lonely.example.net', 'example.com', 'lain', '.']) {
    cases.push({ label: `out-of-zone ${name} A`, spec: { name: name === '.' ? '.' : `${name}.`, type: 'A' }, client: one });
  }
  cases.push({ label: 'chaos version.bind. TXT', spec: { name: 'version.bind.', type: 'TXT', qclass: 'CH' }, client: one });
  cases.push({ label: 'axfr hello.lain. over UDP', spec: { name: 'hello.lain.', type: 'AXFR' }, client: one });
  return cases;
}

/**
 * Where Peregrine answers differently on purpose. Anything else fails the test.
 */
const ACCEPTED: AcceptedDifference[] = [
  {
    label: 'out-of-zone',
    field: 'response',
    reason: 'tinydns stays silent for names outside its data; Peregrine answers REFUSED (as for any name outside its zones), so resolvers move on at once',
  },
  {
    label: /^edns /,
    field: /^opt/,
    reason: 'tinydns ignores EDNS (no OPT in its answers, 512 bytes at most); Peregrine echoes the OPT record (RFC 6891) and may send up to 1232 bytes',
  },
  {
    label: /^chaos /,
    field: /^(rcode|answer|answer\.order|flag\.aa|flag\.rd|flag\.ra)$/,
    reason: 'tinydns answers any class but IN and ANY with FORMERR (and RD, RA set); Peregrine answers the CHAOS names operators and health checks ask (version.bind, id.server)',
  },
  {
    label: /^axfr /,
    field: 'flag.aa',
    reason: 'both answer AXFR over UDP with NOTIMP; tinydns leaves the AA bit of class IN on in that error, Peregrine sets AA only in answers from zone data',
  },
];

let tiny: TinydnsHandle | undefined;
let peregrine: PeregrineHandle | undefined;

beforeAll(async () => {
  tiny = await startTinydns(DATA, MTIME, 'hello.lain.');
  const dir = mkdtempSync(path.join(tmpdir(), 'pgn-tinydns-data-'));
  const file = path.join(dir, 'data');
  writeFileSync(file, DATA, 'latin1');
  utimesSync(file, MTIME, MTIME);
  peregrine = await startPeregrine({ root: REPO_ROOT, zones: [], extraArgs: ['--tinydns', file] });
}, 60_000);

afterAll(async () => {
  await Promise.all([tiny?.stop(), peregrine?.stop()]);
});

interface Result {
  label: string;
  diffs: FieldDiff[];
  accepted: string[];
  tiny: string;
  peregrine: string;
}

async function run(cases: Case[]): Promise<Result[]> {
  if (!tiny || !peregrine) throw new Error('servers did not start (see beforeAll)');
  const t = tiny;
  const p = peregrine;
  const results: Result[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const c = cases[next++];
      const query = buildQuery(c.spec);
      // A silent server is retried once (loopback UDP loss is rare, not impossible).
      const ask = async (host: string, port: number) =>
        (await udpQueryFrom(host, port, query, 800, c.client)) ?? (await udpQueryFrom(host, port, query, 800, c.client));
      const [a, b] = await Promise.all([ask(t.ip, 53), ask('127.0.0.1', p.port)]);
      const ref = normalize(query, a);
      const sut = normalize(query, b);
      const diffs: FieldDiff[] = [];
      const accepted: string[] = [];
      for (const d of diffNormalized(ref, sut)) {
        const why = ACCEPTED.find((x) =>
          (typeof x.label === 'string' ? c.label.includes(x.label) : x.label.test(c.label)) &&
          (typeof x.field === 'string' ? x.field === d.field : x.field.test(d.field)));
        if (why) accepted.push(why.reason);
        else diffs.push(d);
      }
      results.push({ label: c.label, diffs, accepted, tiny: describeResponse(ref), peregrine: describeResponse(sut) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return results;
}

function report(results: Result[]): string {
  const bad = results.filter((r) => r.diffs.length > 0);
  const out = [`${bad.length} of ${results.length} queries differ between tinydns (expected) and peregrine (actual):`];
  for (const r of bad.slice(0, 60)) {
    out.push('', `[${r.label}]`, ...r.diffs.map((d) => formatDiff(d, 'tinydns', 'peregrine')));
    out.push('  tinydns:', r.tiny.replace(/^/gm, '    '), '  peregrine:', r.peregrine.replace(/^/gm, '    '));
  }
  return out.join('\n');
}

describe('Peregrine answers tinydns data as tinydns does', () => {
  test('every name and type, from three client addresses, with accepted differences only', async () => {
    const cases = corpus();
    expect(cases.length).toBeGreaterThan(1500);
    const results = await run(cases);
    expect(results).toHaveLength(cases.length);
    // tinydns answered (all but the out-of-zone names), so the comparison compares answers.
    const silent = results.filter((r) => r.tiny === '(no response)');
    expect(silent.map((r) => r.label).filter((l) => !l.startsWith('out-of-zone'))).toEqual([]);
    expect(results.filter((r) => / A [0-9]/.test(r.tiny)).length).toBeGreaterThan(300);
    const accepted = results.filter((r) => r.accepted.length > 0);
    // The accepted differences do occur (the list is not stale) …
    for (const a of ACCEPTED) expect(accepted.some((r) => r.accepted.includes(a.reason)), a.reason).toBe(true);
    // … and nothing else differs.
    expect(results.filter((r) => r.diffs.length > 0).length, report(results)).toBe(0);
  }, 120_000);

  test('locations split answers: the same name gets different addresses by client address', async () => {
    const results = await run(CLIENTS.map((client) => ({ label: `split from ${client}`, spec: { name: 'split.hello.lain.', type: 'A' }, client })));
    const answers = results.map((r) => r.peregrine.split('\n').filter((l) => l.includes(' A ')).join('|'));
    expect(new Set(answers).size).toBe(3);
    expect(results.every((r) => r.diffs.length === 0), report(results)).toBe(true);
  });
});
