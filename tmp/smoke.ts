import { buildTinydns } from '../src/sources/tinydns/build.ts';
import { AnswerEngine } from '../src/answer/answer.ts';
import { defaultOptions, encodeQuery } from '../test/helpers/engine.ts';
import dnsPacket from 'dns-packet';
const r = buildTinydns({ kind: 'tinydns', file: '/tmp/td1/data' });
if (!r.ok) { console.log(r.errors.map(String)); process.exit(1); }
const e = new AnswerEngine(defaultOptions);
e.setZones(r.zones.flatMap((z) => [z.zone!.image, ...(z.zone!.variants ?? [])]));
for (const [n, t] of [['hello.lain','SOA'],['web-1.hello.lain','A'],['x.svc.hello.lain','A'],['nope.hello.lain','A'],['www.hello.lain','A'],['hello.lain','MX'],['x.sub.hello.lain','A'],['1.0.1.10.in-addr.arpa','PTR'],['hello.lain','ANY']]) {
  const out = new Uint8Array(65535);
  const q = encodeQuery(n, t); const len = e.answer(q, q.length, out, false);
  const d = dnsPacket.decode(Buffer.from(out.subarray(0, len))) as any;
  console.log(n, t, d.rcode, d.flags.toString(16), JSON.stringify([d.answers, d.authorities, d.additionals].map((s: any[]) => s.map((a) => `${a.name} ${a.ttl} ${a.type} ${JSON.stringify(a.data)}`))));
}
