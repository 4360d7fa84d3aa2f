// Zone data is untrusted too: oversized TXT RDATA, RRsets no DNS message can hold, deep or
// looping $INCLUDEs and includes of things that are not files all end in a FILE:LINE error.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readZone } from '../../src/primary/zone-reader.ts';

const HEAD = '$ORIGIN lim.test.\n$TTL 300\n@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n'; // lines 1-5

function problems(files: Record<string, string>, main = 'lim.test.zone'): string[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-limits-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const r = readZone(path.join(dir, main));
  return r.ok ? [] : r.errors.map((e) => String(e).replaceAll(`${dir}/`, ''));
}

const strings = (n: number, len: number) => Array.from({ length: n }, () => `"${'x'.repeat(len)}"`).join(' ');

describe('zone data limits', () => {
  it('a TXT of 10 MB (50,000 strings on one line) is an error at its line, read in one pass', () => {
    expect(problems({ 'lim.test.zone': `${HEAD}big TXT ${strings(50_000, 200)}\n` })).toEqual([
      'lim.test.zone:6: TXT: RDATA longer than 65535 bytes',
    ]);
  });

  it('a TXT RDATA just over 65535 bytes is an error; just under is served', () => {
    // 255-byte strings take 256 bytes each: 255 of them fill 65280, plus one more of 254 = 65535.
    const under = `${strings(255, 255)} "${'y'.repeat(254)}"`;
    expect(problems({ 'lim.test.zone': `${HEAD}ok TXT ${under}\n` })).toEqual([
      // It parses, but cannot be answered: a whole message is 65535 bytes.
      'lim.test.zone:6: the ok.lim.test. TXT RRset does not fit in a DNS message (65535 bytes) from this record on: it could never be answered',
    ]);
    expect(problems({ 'lim.test.zone': `${HEAD}big TXT ${under} "z"\n` })).toEqual(['lim.test.zone:6: TXT: RDATA longer than 65535 bytes']);
    expect(problems({ 'lim.test.zone': `${HEAD}fine TXT ${strings(200, 255)}\n` })).toEqual([]);
  });

  it('an RRset too large for any message is an error at the record that overflows it, once', () => {
    const records = Array.from({ length: 5000 }, (_, i) => `many A 10.0.${i >> 8}.${i & 255}\n`).join('');
    // Header and question 16 + 15 (the name), 16 per A record: the 4095th (line 5 + 4095) no longer fits.
    expect(problems({ 'lim.test.zone': HEAD + records })).toEqual([
      'lim.test.zone:4100: the many.lim.test. A RRset does not fit in a DNS message (65535 bytes) from this record on: it could never be answered',
    ]);
    const fits = Array.from({ length: 4000 }, (_, i) => `many A 10.0.${i >> 8}.${i & 255}\n`).join('');
    expect(problems({ 'lim.test.zone': HEAD + fits })).toEqual([]);
  });

  it('$INCLUDE nested too deep, in a loop, of itself: FILE:LINE of the $INCLUDE', () => {
    const chain: Record<string, string> = { 'lim.test.zone': `${HEAD}$INCLUDE inc1.db\n` };
    for (let i = 1; i <= 30; i++) chain[`inc${i}.db`] = `r${i} A 192.0.2.${i}\n$INCLUDE inc${i + 1}.db\n`;
    chain['inc31.db'] = 'last A 192.0.2.99\n';
    expect(problems(chain)).toEqual(['inc10.db:2: $INCLUDE nested more than 10 deep']);

    const loop = problems({ 'lim.test.zone': `${HEAD}$INCLUDE a.db\n`, 'a.db': 'a A 192.0.2.1\n$INCLUDE b.db\n', 'b.db': 'b A 192.0.2.2\n$INCLUDE a.db\n' });
    expect(loop).toHaveLength(1);
    expect(loop[0]).toMatch(/^b\.db:2: \$INCLUDE loop: .*a\.db is already being read$/);
    const self = problems({ 'lim.test.zone': `${HEAD}$INCLUDE lim.test.zone\n` });
    expect(self).toHaveLength(1);
    expect(self[0]).toMatch(/^lim\.test\.zone:6: \$INCLUDE loop: .*lim\.test\.zone is already being read$/);
  });

  it('$INCLUDE of a device, a directory or a missing file is an error, never an endless read', () => {
    expect(problems({ 'lim.test.zone': `${HEAD}$INCLUDE /dev/zero\n$INCLUDE /tmp\n$INCLUDE nothing-here.db\n` })).toEqual([
      'lim.test.zone:6: cannot read $INCLUDE file /dev/zero: /dev/zero is not a regular file',
      'lim.test.zone:7: cannot read $INCLUDE file /tmp: /tmp is not a regular file',
      'lim.test.zone:8: cannot read $INCLUDE file nothing-here.db: ENOENT',
    ]);
  });
});
