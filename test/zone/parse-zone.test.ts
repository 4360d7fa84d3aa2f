import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseZoneFile, parseZoneText } from '../../src/zone/parse-zone.ts';
import { nameToText } from '../../src/zone/name.ts';
import { TYPE_A, TYPE_MX, TYPE_NS, TYPE_SOA, TYPE_TXT } from '../../src/zone/types.ts';
import { ZoneDataError } from '../../src/errors.ts';
import type { ResourceRecord } from '../../src/zone/model.ts';
import { hex, n, parse, records } from './helpers.ts';

/** "owner ttl class type" lines for quick comparison. */
const summary = (rrs: ResourceRecord[]): string[] => rrs.map((r) => `${nameToText(r.owner)} ${r.ttl} ${r.class} ${r.type}`);
const errs = (text: string, file = 'z.zone'): string[] => parseZoneText(text, file).errors.map(String);

const SOA = '@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n';

describe('owner names', () => {
  it('handles @, relative, absolute and escaped names', () => {
    const rrs = records('@ A 192.0.2.1\nwww A 192.0.2.2\nabs.example.net. A 192.0.2.3\na\\.b A 192.0.2.4\n*.wild A 192.0.2.5\n');
    expect(rrs.map((r) => nameToText(r.owner))).toEqual([
      'example.com.', 'www.example.com.', 'abs.example.net.', 'a\\.b.example.com.', '*.wild.example.com.',
    ]);
  });

  it('keeps the case of owners as written', () => {
    expect(records('WwW A 192.0.2.1\n')[0].owner).toEqual(n('WwW.example.com.'));
  });

  it('uses the previous owner when a line starts with blank space', () => {
    const rrs = records('www A 192.0.2.1\n  A 192.0.2.2\n\tMX 10 mail\n\n; comment\n  TXT "x"\nother A 192.0.2.3\n AAAA ::1\n');
    expect(rrs.map((r) => nameToText(r.owner))).toEqual([
      'www.example.com.', 'www.example.com.', 'www.example.com.', 'www.example.com.', 'other.example.com.', 'other.example.com.',
    ]);
  });

  it('treats any token in column 0 as the owner (RFC 1035), even one that looks like a TTL or class', () => {
    const rrs = records('1D IN NS @\nIN NS ns1\n');
    expect(rrs.map((r) => nameToText(r.owner))).toEqual(['1D.example.com.', 'IN.example.com.']);
  });

  it('reports a missing owner and a bad owner at the right line', () => {
    expect(parse('  A 192.0.2.1\n').errors.map(String)).toEqual([
      'test.zone:1: no owner name: the line starts with blank space but no previous owner exists',
    ]);
    expect(parse('ok A 192.0.2.1\na..b A 192.0.2.1\n  A 192.0.2.2\nc A 192.0.2.3\n').errors.map(String)).toEqual([
      "test.zone:2: bad owner name: empty label in name 'a..b'",
    ]);
  });
});

describe('TTL and class', () => {
  it('accepts TTL and class in either order, or omitted', () => {
    const rrs = records('a 300 IN A 192.0.2.1\nb IN 300 A 192.0.2.1\nc 300 A 192.0.2.1\nd IN A 192.0.2.1\ne A 192.0.2.1\n');
    expect(rrs.map((r) => [r.ttl, r.class])).toEqual([[300, 1], [300, 1], [300, 1], [3600, 1], [3600, 1]]);
  });

  it('parses TTL units case-insensitively', () => {
    const rrs = records('a 1h30m A 192.0.2.1\nb 1W A 192.0.2.1\nc 3D A 192.0.2.1\nd 2h3M4s A 192.0.2.1\ne 1h30 A 192.0.2.1\nf 0 A 192.0.2.1\ng 2147483647 A 192.0.2.1\n');
    expect(rrs.map((r) => r.ttl)).toEqual([5400, 604800, 259200, 7384, 3630, 0, 2147483647]);
  });

  it('rejects bad TTLs and TTLs above 2^31-1', () => {
    expect(errs('$ORIGIN x.\na 2147483648 A 192.0.2.1\nb 1x A 192.0.2.1\nc 1h2 3 A 192.0.2.1\n$TTL 4294967296\n$TTL 1q\n')).toEqual([
      "z.zone:2: bad TTL '2147483648': larger than 2147483647",
      "z.zone:3: bad TTL '1x'",
      "z.zone:4: unexpected second TTL '3'",
      "z.zone:5: bad $TTL '4294967296': larger than 2147483647",
      "z.zone:6: bad $TTL '1q'",
    ]);
  });

  it('without $TTL uses the previous TTL, else the SOA minimum (BIND)', () => {
    const r = parseZoneText('$ORIGIN ex.\n@ IN SOA ns hm 1 2 3 4 300\n  IN NS ns\nns 100 IN A 192.0.2.1\na IN A 192.0.2.2\n', 'z');
    expect(r.errors).toEqual([]);
    // The SOA minimum becomes the default, as in BIND, so 'a' gets 300, not 100.
    expect(r.zone.records.map((x) => x.ttl)).toEqual([300, 300, 100, 300]);
    const r2 = parseZoneText('$ORIGIN ex.\n@ 500 IN SOA ns hm 1 2 3 4 300\n  IN NS ns\nns 100 IN A 192.0.2.1\na IN A 192.0.2.2\n', 'z');
    expect(r2.zone.records.map((x) => x.ttl)).toEqual([500, 500, 100, 100]);
  });

  it('$TTL sets the default for records without a TTL', () => {
    const r = parseZoneText('$ORIGIN ex.\n$TTL 1h\na A 192.0.2.1\nb 60 A 192.0.2.1\nc A 192.0.2.1\n$TTL 5m\nd A 192.0.2.1\n', 'z');
    expect(r.zone.records.map((x) => x.ttl)).toEqual([3600, 60, 3600, 300]);
  });

  it('is an error when no TTL can be determined', () => {
    expect(errs('$ORIGIN ex.\na IN A 192.0.2.1\n')).toEqual(['z.zone:2: no TTL specified and no $TTL or previous TTL to use']);
  });

  it('accepts CLASSnnn and rejects a class other than the zone class', () => {
    const r = parseZoneText('$ORIGIN ex.\n$TTL 1\na CLASS1 A 192.0.2.1\nb CH TXT "x"\nc CLASS3 A 192.0.2.1\nd ANY A 192.0.2.1\n', 'z');
    expect(r.zone.records.map((x) => x.class)).toEqual([1]);
    expect(r.errors.map(String)).toEqual([
      "z:4: class CH differs from the zone's class IN",
      "z:5: class CH differs from the zone's class IN",
      'z:6: class ANY is not valid in zone data',
    ]);
  });

  it('a CH zone takes its class from the first record', () => {
    const r = parseZoneText('$ORIGIN bind.\n$TTL 0\nversion CH TXT "1"\nhostname TXT "h"\n', 'z');
    expect(r.errors).toEqual([]);
    expect(r.zone.records.map((x) => x.class)).toEqual([3, 3]);
  });
});

describe('types', () => {
  it('accepts mnemonics in any case and TYPEnnn', () => {
    const rrs = records('a a 192.0.2.1\nb Mx 10 a\nc TYPE16 "x"\nd type1 \\# 4 c0000201\n');
    expect(rrs.map((r) => r.type)).toEqual([TYPE_A, TYPE_MX, TYPE_TXT, TYPE_A]);
    expect(rrs[3].rdata).toEqual(hex('c0000201'));
  });

  it('reports unknown or meta types and a missing type', () => {
    expect(errs('$ORIGIN x.\n$TTL 1\na FOO 1\nb IN\nc IN ANY \\# 0\nd OPT \\# 0\ne 300 IN "q"\n')).toEqual([
      "z.zone:3: unknown RR type 'FOO'",
      'z.zone:4: missing RR type',
      'z.zone:5: type ANY is not valid in zone data',
      'z.zone:6: type OPT is not valid in zone data',
      'z.zone:7: expected a TTL, class or type, found a quoted string',
    ]);
  });
});

describe('lexical forms', () => {
  it('joins lines inside parentheses; the record keeps its first line', () => {
    const r = parseZoneText('$ORIGIN ex.\n$TTL 1\n\n@ IN SOA ns hm (\n  1 ; serial\n  2 ; refresh\n  3 4\n  5 )\nnext A 192.0.2.1\n', 'z');
    expect(r.errors).toEqual([]);
    expect(r.zone.records[0].type).toBe(TYPE_SOA);
    expect(r.zone.records[0].source).toEqual({ file: 'z', line: 4 });
    expect(r.zone.records[0].rdata.subarray(-20)).toEqual(hex('00000001 00000002 00000003 00000004 00000005'));
    expect(r.zone.records[1].source).toEqual({ file: 'z', line: 9 });
  });

  it('reports an error inside a multi-line record at the line it starts on', () => {
    expect(errs('$ORIGIN ex.\n$TTL 1\n@ IN SOA ns hm (\n  1\n  2\n  3\n  4\n  x )\nok A 192.0.2.1\nbad A 1\n')).toEqual([
      "z.zone:3: SOA: bad SOA minimum 'x'",
      "z.zone:10: A: bad IPv4 address '1'",
    ]);
  });

  it('ignores ; inside quotes and parentheses inside quotes', () => {
    const rrs = records('a TXT "x;y" ; comment\nb TXT "(" ")" ; ) (\n');
    expect(rrs[0].rdata).toEqual(Uint8Array.from([3, 120, 59, 121]));
    expect(rrs[1].rdata).toEqual(Uint8Array.from([1, 40, 1, 41]));
  });

  it('handles CRLF line endings and a missing final newline', () => {
    const rrs = records('a A 192.0.2.1\r\n  A 192.0.2.2\r\nb TXT "x"');
    expect(summary(rrs)).toEqual(['a.example.com. 3600 1 1', 'a.example.com. 3600 1 1', 'b.example.com. 3600 1 16']);
  });

  it('reports unbalanced parentheses and quotes and goes on', () => {
    expect(errs('$ORIGIN x.\n$TTL 1\na A 192.0.2.1 )\nb TXT "open\nc A 192.0.2.3\nd SOA ( a b 1 2 3 4 5\n')).toEqual([
      "z.zone:3: unbalanced ')'",
      'z.zone:4: unterminated quoted string',
      "z.zone:6: unbalanced '(' opened on line 6",
    ]);
    expect(parseZoneText('$ORIGIN x.\n$TTL 1\na A 192.0.2.1 )\nb TXT "open\nc A 192.0.2.3\n', 'z').zone.records.map((r) => nameToText(r.owner))).toEqual(['c.x.']);
  });

  it('collects every error and keeps the good records', () => {
    const r = parseZoneText('$ORIGIN x.\n$TTL 1\na A 1.2.3.4\nb A bad\nc MX 10\nd A 5.6.7.8\ne BOGUS 1\n', 'f.zone');
    expect(r.errors.map(String)).toEqual([
      "f.zone:4: A: bad IPv4 address 'bad'",
      'f.zone:5: MX: missing exchange name',
      "f.zone:7: unknown RR type 'BOGUS'",
    ]);
    expect(r.errors.every((e) => e instanceof ZoneDataError && e.code === 'PGN_ERR_ZONE_DATA')).toBe(true);
    expect(r.errors[0].context).toEqual({ file: 'f.zone', line: 4 });
    expect(r.zone.records.map((x) => nameToText(x.owner))).toEqual(['a.x.', 'd.x.']);
  });

  it('silently drops exact duplicates (owner compared case-insensitively)', () => {
    const rrs = records('a A 192.0.2.1\nA A 192.0.2.1\na A 192.0.2.2\na 60 A 192.0.2.1\n');
    expect(rrs.map((r) => [r.source.line, r.ttl])).toEqual([[1, 3600], [3, 3600], [4, 60]]);
  });

  it('takes a Uint8Array of file bytes', () => {
    const bytes = Buffer.concat([Buffer.from('$ORIGIN x.\n$TTL 1\na TXT "'), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from('"\n')]);
    expect(parseZoneText(new Uint8Array(bytes), 'z').zone.records[0].rdata).toEqual(Uint8Array.from([3, 0xc3, 0xa9, 0xff]));
  });

  it('reads non-ASCII bytes from files unchanged', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pgn-zone-'));
    try {
      const f = path.join(dir, 'u.zone');
      writeFileSync(f, Buffer.concat([Buffer.from('$ORIGIN x.\n$TTL 1\na TXT "'), Buffer.from([0xc3, 0xa9, 0xff]), Buffer.from('"\n')]));
      expect(parseZoneFile(f).zone.records[0].rdata).toEqual(Uint8Array.from([3, 0xc3, 0xa9, 0xff]));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});

describe('origin', () => {
  it('uses options.origin first, lowercased', () => {
    const r = parseZoneText('$ORIGIN other.\n@ 1 IN SOA a. b. 1 2 3 4 5\n', 'z', { origin: n('Example.COM.') });
    expect(r.zone.origin).toEqual(n('example.com.'));
  });

  it('else the first $ORIGIN, which also applies to relative names', () => {
    const r = parseZoneText('$ORIGIN Example.ORG.\n$TTL 1\nwww A 192.0.2.1\n$ORIGIN sub\nx A 192.0.2.2\n', 'z');
    expect(r.zone.origin).toEqual(n('example.org.'));
    expect(r.zone.records.map((x) => nameToText(x.owner))).toEqual(['www.Example.ORG.', 'x.sub.Example.ORG.']);
  });

  it('else the SOA owner', () => {
    const r = parseZoneText('$TTL 1\nexample.net. SOA a. b. 1 2 3 4 5\nwww.example.net. A 192.0.2.1\n', 'z');
    expect(r.zone.origin).toEqual(n('example.net.'));
    // A $ORIGIN after records does not override the SOA owner.
    const r2 = parseZoneText('$TTL 1\nexample.net. SOA a. b. 1 2 3 4 5\n$ORIGIN sub.example.net.\nx A 192.0.2.1\n', 'z');
    expect(r2.zone.origin).toEqual(n('example.net.'));
  });

  it('makes relative names an error when no origin is known', () => {
    expect(errs('$TTL 1\nwww A 192.0.2.1\nx. CNAME www\n@ A 192.0.2.1\n$ORIGIN rel\n')).toEqual([
      "z.zone:2: bad owner name: relative name 'www' but no origin is known",
      "z.zone:3: CNAME: bad target name 'www': relative name 'www' but no origin is known",
      "z.zone:4: bad owner name: '@' used but no origin is known",
      "z.zone:5: bad $ORIGIN: relative name 'rel' but no origin is known",
    ]);
  });

  it('reports directive mistakes', () => {
    expect(errs('$ORIGIN\n$ORIGIN a. b.\n$TTL\n$INCLUDE\n$GENERATE 1-2 a A 1.2.3.$\n')).toEqual([
      'z.zone:1: $ORIGIN needs a domain name',
      "z.zone:2: unexpected 'b.' after $ORIGIN",
      'z.zone:3: $TTL needs a value',
      'z.zone:4: $INCLUDE needs a file name',
      'z.zone:5: unknown directive $GENERATE',
    ]);
  });
});

describe('$INCLUDE', () => {
  let dir = '';
  const write = (name: string, text: string): string => {
    const f = path.join(dir, name);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, text);
    return f;
  };
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pgn-include-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true });
  });

  it('reads files relative to the including file, with a scoped origin', () => {
    const main = write('main.zone', [
      '$ORIGIN ex.', '$TTL 60', '@ IN SOA ns hm 1 2 3 4 300', '  IN NS ns', 'ns IN A 192.0.2.1', 'www IN A 192.0.2.9',
      '$INCLUDE sub/sub.inc sub.ex.', '   IN TXT "after include"', 'rel IN CNAME www', '$INCLUDE sub/plain.inc', '',
    ].join('\n'));
    write('sub/sub.inc', '@ IN A 192.0.2.10\n  IN TXT "in include"\nhost IN A 192.0.2.11\n$INCLUDE deeper.inc\n');
    write('sub/deeper.inc', 'deep A 192.0.2.12\n');
    write('sub/plain.inc', 'p A 192.0.2.13\n');
    const r = parseZoneFile(main);
    expect(r.errors).toEqual([]);
    expect(r.zone.records.map((x) => `${nameToText(x.owner)} ${x.type} ${path.relative(dir, x.source.file)}:${x.source.line}`)).toEqual([
      'ex. 6 main.zone:3',
      'ex. 2 main.zone:4',
      'ns.ex. 1 main.zone:5',
      'www.ex. 1 main.zone:6',
      'sub.ex. 1 sub/sub.inc:1',
      'sub.ex. 16 sub/sub.inc:2',
      'host.sub.ex. 1 sub/sub.inc:3',
      'deep.sub.ex. 1 sub/deeper.inc:1',
      // After the include the origin and the current owner are those of the including file.
      'www.ex. 16 main.zone:8',
      'rel.ex. 5 main.zone:9',
      'p.ex. 1 sub/plain.inc:1',
    ]);
    expect(r.zone.files.map((f) => path.relative(dir, f))).toEqual(['main.zone', 'sub/sub.inc', 'sub/deeper.inc', 'sub/plain.inc']);
  });

  it('carries the current owner into the included file (BIND)', () => {
    const main = write('own.zone', '$ORIGIN ex.\n$TTL 1\nwww A 192.0.2.1\n$INCLUDE own.inc\n');
    write('own.inc', '  TXT "cont"\n');
    const r = parseZoneFile(main);
    expect(r.errors).toEqual([]);
    expect(summary(r.zone.records)).toEqual(['www.ex. 1 1 1', 'www.ex. 1 1 16']);
  });

  it('reports errors in included files with the included file name', () => {
    const main = write('e.zone', '$ORIGIN ex.\n$TTL 1\n$INCLUDE e.inc\nz A 1.2.3\n');
    write('e.inc', 'a A 192.0.2.1\nb A nope\n');
    expect(parseZoneFile(main).errors.map(String)).toEqual([
      `${path.join(dir, 'e.inc')}:2: A: bad IPv4 address 'nope'`,
      `${main}:4: A: bad IPv4 address '1.2.3'`,
    ]);
  });

  it('reports a missing file at the $INCLUDE line', () => {
    const main = write('m.zone', '$ORIGIN ex.\n$TTL 1\n\n$INCLUDE nothere.inc\n');
    expect(parseZoneFile(main).errors.map(String)).toEqual([`${main}:4: cannot read $INCLUDE file ${path.join(dir, 'nothere.inc')}: ENOENT`]);
  });

  it('reports include loops at the $INCLUDE line', () => {
    const a = write('loop-a.zone', '$ORIGIN ex.\n$TTL 1\n$INCLUDE loop-b.inc\n');
    write('loop-b.inc', 'x A 192.0.2.1\n$INCLUDE loop-a.zone\n');
    const self = write('self.zone', '$ORIGIN ex.\n$INCLUDE self.zone\n');
    expect(parseZoneFile(a).errors.map(String)).toEqual([`${path.join(dir, 'loop-b.inc')}:2: $INCLUDE loop: ${a} is already being read`]);
    expect(parseZoneFile(self).errors.map(String)).toEqual([`${self}:2: $INCLUDE loop: ${self} is already being read`]);
  });

  it('limits the include depth', () => {
    for (let i = 0; i < 5; i++) write(`d${i}.inc`, `l${i} A 192.0.2.${i}\n$INCLUDE d${i + 1}.inc\n`);
    write('d5.inc', 'end A 192.0.2.99\n');
    const main = write('depth.zone', '$ORIGIN ex.\n$TTL 1\n$INCLUDE d0.inc\n');
    expect(parseZoneFile(main).errors).toEqual([]);
    expect(parseZoneFile(main, { maxIncludeDepth: 3 }).errors.map(String)).toEqual([`${path.join(dir, 'd2.inc')}:2: $INCLUDE nested more than 3 deep`]);
  });

  it('reports an unreadable zone file', () => {
    const r = parseZoneFile(path.join(dir, 'absent.zone'));
    expect(r.errors).toHaveLength(1);
    expect(String(r.errors[0])).toMatch(/absent\.zone:0: cannot read zone file: ENOENT/);
  });
});

describe('limits', () => {
  it('stops at maxRecords with an error', () => {
    const r = parseZoneText('$ORIGIN ex.\n$TTL 1\na A 192.0.2.1\nb A 192.0.2.2\nc A 192.0.2.3\nd A 192.0.2.4\n', 'z', { maxRecords: 2 });
    expect(r.zone.records).toHaveLength(2);
    expect(r.errors.map(String)).toEqual(['z:5: too many records: more than 2']);
  });
});

describe('records', () => {
  it('carry source positions and wire data', () => {
    const r = parseZoneText(`$ORIGIN example.com.\n$TTL 1h\n${SOA}  NS ns1\nns1 A 192.0.2.1\n`, 'shop.zone');
    expect(r.errors).toEqual([]);
    const ns = r.zone.records.find((x) => x.type === TYPE_NS);
    expect(ns?.source).toEqual({ file: 'shop.zone', line: 4 });
    expect(ns?.rdata).toEqual(n('ns1.example.com.'));
    expect(ns?.ttl).toBe(3600);
    expect(r.zone.files).toEqual(['shop.zone']);
  });
});
