// Test helpers: compile zone text into an AnswerEngine and ask it questions with dns-packet.
import dnsPacket from 'dns-packet';
import { parseZoneText } from '../../src/zone/parse-zone.ts';
import { parseName } from '../../src/zone/name.ts';
import { typeFromText } from '../../src/zone/types.ts';
import { compile } from '../../src/compile/compile-zone.ts';
import { AnswerEngine, type AnswerOptions } from '../../src/answer/answer.ts';

export const defaultOptions: AnswerOptions = {
  maxUdpPayload: 1232,
  chaos: { idServer: 'test-id', hostnameBind: 'test-host', versionBind: 'test-version' },
};

export function engineFor(zones: Record<string, string>, options: AnswerOptions = defaultOptions): AnswerEngine {
  const images = Object.entries(zones).map(([origin, text]) => {
    const parsed = parseZoneText(text, `${origin}zone`, { origin: parseName(origin, null) });
    if (parsed.errors.length > 0) throw new Error(parsed.errors.map(String).join('\n'));
    return compile(parsed.zone).image;
  });
  const engine = new AnswerEngine(options);
  engine.setZones(images);
  return engine;
}

export interface AskOptions {
  edns?: number | false;
  do?: boolean;
  tcp?: boolean;
  rd?: boolean;
  class?: string;
}

export function encodeQuery(name: string, type: string, o: AskOptions = {}): Buffer {
  const additionals = o.edns === undefined || o.edns === false ? [] : [{
    type: 'OPT', name: '.', udpPayloadSize: o.edns, flags: o.do ? dnsPacket.DNSSEC_OK : 0,
  }];
  const query = dnsPacket.encode({
    type: 'query', id: 0x1234, flags: o.rd ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{ name, type: 'A', class: (o.class ?? 'IN') as dnsPacket.RecordClass }],
    additionals: additionals as dnsPacket.Answer[],
  });
  // dns-packet does not know every type (SVCB, HTTPS, …): patch QTYPE from our own table.
  let end = 12;
  while (query[end] !== 0) end += query[end] + 1;
  query.writeUInt16BE(typeFromText(type) ?? 0, end + 1);
  return query;
}

/** What dns-packet's decode returns, with the fields its typings leave out. */
export interface Decoded {
  id: number;
  rcode: string;
  opcode: string;
  flag_aa: boolean;
  flag_tc: boolean;
  flag_rd: boolean;
  flag_ra: boolean;
  flag_cd: boolean;
  questions: dnsPacket.Question[];
  answers: (dnsPacket.Answer & { data?: unknown; ttl?: number })[];
  authorities: (dnsPacket.Answer & { data?: unknown; ttl?: number })[];
  additionals: (dnsPacket.Answer & { data?: unknown; ttl?: number })[];
}

export function decode(raw: Buffer): Decoded {
  return dnsPacket.decode(raw) as unknown as Decoded;
}

const out = new Uint8Array(65536);

export function askRaw(engine: AnswerEngine, query: Uint8Array, tcp = false): Buffer | null {
  const n = engine.answer(query, query.length, out, tcp);
  return n === 0 ? null : Buffer.from(out.subarray(0, n));
}

export function ask(engine: AnswerEngine, name: string, type: string, o: AskOptions = {}): Decoded {
  const raw = askRaw(engine, encodeQuery(name, type, o), o.tcp ?? false);
  if (raw === null) throw new Error('dropped');
  return decode(raw);
}

/** Records of a section as `owner TYPE data` strings, owners lowercased, sorted. */
export function rrs(section: dnsPacket.Answer[] | undefined): string[] {
  return (section ?? []).filter((r) => r.type !== 'OPT').map((r) => {
    const data = (r as { data?: unknown }).data;
    const text = typeof data === 'string' ? data : Buffer.isBuffer(data) ? data.toString('hex')
      : Array.isArray(data) ? data.map(String).join(' ') : JSON.stringify(data);
    return `${r.name.toLowerCase()} ${r.type} ${text}`;
  }).sort();
}
