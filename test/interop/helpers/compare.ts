// Normalize DNS responses into comparable fields and diff two servers' answers.
//
// Compared, field by field:
//   response            'received' or 'none' (no answer within the timeout)
//   wire                'ok', or why the message could not be walked / trailing bytes
//   dns-packet          'ok' or dns-packet's decode error (a well-formedness check)
//   id                  whether the response id echoes the query id
//   opcode, rcode       rcode includes the EDNS extended-rcode bits (BADVERS = 16)
//   flag.qr/aa/tc/rd/ra/z/ad/cd
//   question            exact, case-sensitive (the query's case must be echoed)
//   answer, authority, additional
//                       sorted sets of "owner ttl class type rdata", owner and the names
//                       inside RDATA lowercased; OPT excluded from additional
//   answer.order        order of the answer's RRsets (owner/type), e.g. a CNAME chain
//   case                owners and RDATA names that were sent with upper-case letters,
//                       exactly as sent (catches differences in case echo)
//   opt, opt.version, opt.do, opt.flags, opt.options, opt.owner
// Not compared (info only): OPT UDP payload size, message size, compression use.
import dnsPacket from 'dns-packet';
import {
  className,
  lowerName,
  opcodeName,
  parseMessage,
  rcodeName,
  typeName,
  type WireMessage,
  type WireRecord,
} from './wire.ts';

export type FieldValue = string | string[];

export interface Normalized {
  fields: Record<string, FieldValue>;
  info: { size?: number; udpPayloadSize?: number; compressionPointers?: number; raw?: Buffer };
}

export interface FieldDiff {
  field: string;
  expected: FieldValue | undefined;
  actual: FieldValue | undefined;
}

function flag(b: boolean): string {
  return b ? '1' : '0';
}

export function recordText(r: WireRecord, lower: boolean): string {
  const owner = lower ? lowerName(r.owner) : r.owner;
  const rdata = lower ? r.rdataLower : r.rdata;
  return `${owner} ${r.ttl} ${className(r.rrclass)} ${typeName(r.type)} ${rdata}`;
}

function sectionSet(records: WireRecord[]): string[] {
  return records.map((r) => recordText(r, true)).sort();
}

function rrsetOrder(records: WireRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    const key = `${lowerName(r.owner)}/${typeName(r.type)}`;
    if (out[out.length - 1] !== key) out.push(key);
  }
  return out;
}

function caseRecords(section: string, records: WireRecord[]): string[] {
  const out: string[] = [];
  for (const r of records) {
    const lowOwner = lowerName(r.owner);
    if (r.owner !== lowOwner) out.push(`${section} ${typeName(r.type)} owner ${r.owner}`);
    if (r.rdata !== r.rdataLower) out.push(`${section} ${lowOwner} ${typeName(r.type)} rdata ${r.rdata}`);
  }
  return out;
}

/** Normalize one response. `response` undefined = no response (timeout). */
export function normalize(query: Buffer, response: Buffer | undefined): Normalized {
  if (response === undefined) return { fields: { response: 'none' }, info: {} };
  const msg: WireMessage = parseMessage(response);
  const fields: Record<string, FieldValue> = { response: 'received' };
  const info: Normalized['info'] = { size: response.length, compressionPointers: msg.pointers, raw: response };

  fields.wire = msg.error ? `error: ${msg.error}` : msg.trailing ? `${msg.trailing} trailing bytes` : 'ok';
  try {
    dnsPacket.decode(response);
    fields['dns-packet'] = 'ok';
  } catch (err) {
    fields['dns-packet'] = `decode error: ${(err as Error).message}`;
  }
  const qid = query.length >= 2 ? query.readUInt16BE(0) : -1;
  fields.id = msg.id === qid ? 'echoes query id' : `${msg.id} (query id ${qid})`;
  fields.opcode = opcodeName(msg.opcode);
  fields['flag.qr'] = flag(msg.qr);
  fields['flag.aa'] = flag(msg.aa);
  fields['flag.tc'] = flag(msg.tc);
  fields['flag.rd'] = flag(msg.rd);
  fields['flag.ra'] = flag(msg.ra);
  fields['flag.z'] = flag(msg.z);
  fields['flag.ad'] = flag(msg.ad);
  fields['flag.cd'] = flag(msg.cd);
  fields.question = msg.question.map((q) => `${q.name} ${className(q.qclass)} ${typeName(q.type)}`);

  const opts = msg.additional.filter((r) => r.type === 41);
  const additional = msg.additional.filter((r) => r.type !== 41);
  fields.answer = sectionSet(msg.answer);
  fields['answer.order'] = rrsetOrder(msg.answer);
  fields.authority = sectionSet(msg.authority);
  fields.additional = sectionSet(additional);
  fields.case = [
    ...caseRecords('answer', msg.answer),
    ...caseRecords('authority', msg.authority),
    ...caseRecords('additional', additional),
  ].sort();

  let extRcode = 0;
  if (opts.length === 0) {
    fields.opt = 'absent';
  } else {
    fields.opt = opts.length === 1 ? 'present' : `present x${opts.length}`;
    const o = opts[0];
    extRcode = (o.ttl >>> 24) & 0xff;
    fields['opt.owner'] = o.owner;
    fields['opt.version'] = String((o.ttl >>> 16) & 0xff);
    fields['opt.do'] = flag((o.ttl & 0x8000) !== 0);
    fields['opt.flags'] = `0x${(o.ttl & 0x7fff).toString(16).padStart(4, '0')}`;
    const options: string[] = [];
    for (let p = 0; p + 4 <= o.raw.length; ) {
      const code = o.raw.readUInt16BE(p);
      const len = o.raw.readUInt16BE(p + 2);
      options.push(optionText(code, o.raw.subarray(p + 4, p + 4 + len)));
      p += 4 + len;
    }
    fields['opt.options'] = options;
    info.udpPayloadSize = o.rrclass;
  }
  fields.rcode = rcodeName((extRcode << 4) | msg.rcode);
  return { fields, info };
}

const OPTION_NAMES: Record<number, string> = {
  3: 'NSID', 8: 'ECS', 9: 'EXPIRE', 10: 'COOKIE', 11: 'KEEPALIVE', 12: 'PADDING', 14: 'KEY-TAG', 15: 'EDE',
};

function optionText(code: number, data: Buffer): string {
  const name = OPTION_NAMES[code] ?? `OPT${code}`;
  if (code === 15 && data.length >= 2) {
    return `EDE info-code=${data.readUInt16BE(0)} text=${JSON.stringify(data.subarray(2).toString('utf8'))}`;
  }
  if (code === 12) return `PADDING ${data.length} bytes`;
  return data.length === 0 ? name : `${name}=${data.toString('hex')}`;
}

function same(a: FieldValue | undefined, b: FieldValue | undefined): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** All fields that differ; `expected` is the reference server (knotd). */
export function diffNormalized(expected: Normalized, actual: Normalized): FieldDiff[] {
  // One side silent: every other field would differ too; report just that.
  if (expected.fields.response !== actual.fields.response) {
    return [{ field: 'response', expected: expected.fields.response, actual: actual.fields.response }];
  }
  const keys = new Set([...Object.keys(expected.fields), ...Object.keys(actual.fields)]);
  const diffs: FieldDiff[] = [];
  for (const k of keys) {
    const e = expected.fields[k];
    const a = actual.fields[k];
    if (!same(e, a)) diffs.push({ field: k, expected: e, actual: a });
  }
  return diffs;
}

function show(v: FieldValue | undefined): string {
  if (v === undefined) return '(field absent)';
  if (Array.isArray(v)) return v.length === 0 ? '(empty)' : v.join(' | ');
  return v;
}

/** Readable rendering of one field difference. */
export function formatDiff(d: FieldDiff, refName: string, sutName: string): string {
  const w = Math.max(refName.length, sutName.length) + 1;
  const pad = (s: string) => `${s}:`.padEnd(w + 1);
  if (Array.isArray(d.expected) && Array.isArray(d.actual) && d.field !== 'question' && d.field !== 'answer.order') {
    const exp = d.expected;
    const act = d.actual;
    const lines = [`  ${d.field}:`];
    const onlyRef = exp.filter((x) => !act.includes(x));
    const onlySut = act.filter((x) => !exp.includes(x));
    for (const x of onlyRef) lines.push(`    only ${pad(refName)} ${x}`);
    for (const x of onlySut) lines.push(`    only ${pad(sutName)} ${x}`);
    if (onlyRef.length === 0 && onlySut.length === 0) {
      lines.push(`    ${pad(refName)} ${show(exp)}`, `    ${pad(sutName)} ${show(act)}`);
    }
    return lines.join('\n');
  }
  return [`  ${d.field}:`, `    ${pad(refName)} ${show(d.expected)}`, `    ${pad(sutName)} ${show(d.actual)}`].join('\n');
}

/** One response rendered for humans (dig-like), from the normalized fields. */
export function describe(n: Normalized): string {
  const f = n.fields;
  if (f.response === 'none') return '(no response)';
  const flags = ['qr', 'aa', 'tc', 'rd', 'ra', 'z', 'ad', 'cd'].filter((x) => f[`flag.${x}`] === '1').join(' ');
  const opt = f.opt === 'absent' ? '' : ` v${f['opt.version']} do=${f['opt.do']}`;
  const options = (f['opt.options'] as string[] | undefined) ?? [];
  const optText = options.length > 0 ? ` options: ${options.join(', ')}` : '';
  const lines = [`${f.opcode} ${f.rcode} flags: ${flags} opt: ${f.opt}${opt}${optText}`];
  for (const q of f.question as string[]) lines.push(`  Q  ${q}`);
  for (const s of ['answer', 'authority', 'additional'] as const) {
    for (const r of f[s] as string[]) lines.push(`  ${s.slice(0, 2).toUpperCase()} ${r}`);
  }
  for (const c of (f.case as string[] | undefined) ?? []) lines.push(`  case-as-sent ${c}`);
  if (f.wire !== 'ok') lines.push(`  wire: ${f.wire}`);
  return lines.join('\n');
}
