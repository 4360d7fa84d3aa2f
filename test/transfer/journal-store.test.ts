// The IXFR journal kept in --state-dir: it survives a restart (a new Journal over the same
// directory diffs the next version against the last one journaled), a torn or corrupt file is
// repaired (tail dropped, never a crash), and the bounds hold on disk as in memory.
import { appendFileSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Journal } from '../../src/transfer/journal.ts';
import { JournalStore, readEntries } from '../../src/transfer/journal-store.ts';
import { encodeTransfer, transferRecords } from '../../src/transfer/zone-records.ts';
import { nameToText, parseName } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';

const root = mkdtempSync(path.join(tmpdir(), 'peregrine-journal-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const ORIGIN = 'j.test.';

function form(serial: number, body: string): SharedArrayBuffer {
  const parsed = parseZoneText(`$TTL 300\n@ SOA ns1 h ${serial} 3600 600 86400 300\n@ NS ns1\nns1 A 192.0.2.1\n${body}`, 'z', { origin: parseName(ORIGIN, null) });
  if (parsed.errors.length > 0) throw new Error(String(parsed.errors[0]));
  return encodeTransfer(transferRecords(parsed.zone));
}

const names = (rs: { owner: Uint8Array; type: number }[]) => rs.map((r) => `${nameToText(r.owner)}/${r.type}`);

function quietLog() {
  const lines: string[] = [];
  return { lines, warn: (_o: object, m: string) => void lines.push(m) };
}

function stateDir(): string {
  return mkdtempSync(path.join(root, 'state-'));
}

describe('journal in --state-dir', () => {
  it('after a restart, the next version is diffed against the last one journaled, and old entries still chain', () => {
    const dir = stateDir();
    const before = new Journal({}, new JournalStore(dir));
    before.record(ORIGIN, form(1, 'a A 192.0.2.10\n'));
    before.record(ORIGIN, form(2, 'a A 192.0.2.11\n'));
    // Restart: a new journal over the same directory; the zone changed while we were down.
    const after = new Journal({}, new JournalStore(dir));
    const entry = after.record(ORIGIN, form(3, 'a A 192.0.2.11\nb A 192.0.2.12\n'));
    expect(entry).toMatchObject({ from: 2, to: 3 });
    expect(names(entry!.added)).toEqual(['b.j.test./1']);
    const chain = after.since(ORIGIN, 1, 3)!;
    expect(chain.map((e) => [e.from, e.to])).toEqual([[1, 2], [2, 3]]);
    expect(names(chain[0].deleted)).toEqual(['a.j.test./1']);
  });

  it('a restart with the zone unchanged keeps the journal and adds nothing', () => {
    const dir = stateDir();
    const j = new Journal({}, new JournalStore(dir));
    j.record(ORIGIN, form(1, ''));
    j.record(ORIGIN, form(2, 'a A 192.0.2.1\n'));
    const again = new Journal({}, new JournalStore(dir));
    expect(again.record(ORIGIN, form(2, 'a A 192.0.2.1\n'))).toBeNull();
    expect(again.since(ORIGIN, 1, 2)).toHaveLength(1);
  });

  it('a torn tail (a crash mid-append) is dropped, the file cut back, and the journal goes on', () => {
    const dir = stateDir();
    const j = new Journal({}, new JournalStore(dir));
    j.record(ORIGIN, form(1, ''));
    j.record(ORIGIN, form(2, 'a A 192.0.2.1\n'));
    j.record(ORIGIN, form(3, 'a A 192.0.2.2\n'));
    const file = path.join(dir, 'journal', 'j.test.jnl');
    const whole = readFileSync(file).length;
    // Half of the last frame, as a crash during its write leaves it; .last still says serial 3.
    truncateSync(file, whole - 10);
    const log = quietLog();
    const after = new Journal({}, new JournalStore(dir, log));
    const entry = after.record(ORIGIN, form(4, 'a A 192.0.2.3\n'));
    expect(entry).toMatchObject({ from: 3, to: 4 });
    // The torn entry 2→3 is gone (and with it the way from 2 and 1); 3→4 is there.
    expect(after.since(ORIGIN, 2, 4)).toBeNull();
    expect(after.since(ORIGIN, 3, 4)).toHaveLength(1);
    expect(log.lines.join('\n')).toMatch(/torn or corrupt tail dropped/);
    const { entries, good } = readEntries(readFileSync(file));
    expect(entries.map((e) => [e.from, e.to])).toEqual([[3, 4]]);
    expect(good).toBe(readFileSync(file).length);
  });

  it('garbage after the last entry, and a flipped byte inside one, are dropped with what follows', () => {
    const dir = stateDir();
    const j = new Journal({}, new JournalStore(dir));
    j.record(ORIGIN, form(1, ''));
    j.record(ORIGIN, form(2, 'a A 192.0.2.1\n'));
    const file = path.join(dir, 'journal', 'j.test.jnl');
    appendFileSync(file, Buffer.from([0, 0, 0, 4, 1, 2, 3, 4, 9, 9, 9, 9]));
    const restored = new Journal({}, new JournalStore(dir, quietLog()));
    expect(restored.record(ORIGIN, form(2, 'a A 192.0.2.1\n'))).toBeNull();
    expect(restored.since(ORIGIN, 1, 2)).toHaveLength(1);

    const bytes = readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff; // inside the only entry's payload: its CRC no longer matches
    writeFileSync(file, bytes);
    const log = quietLog();
    const damaged = new Journal({}, new JournalStore(dir, log));
    expect(damaged.record(ORIGIN, form(3, 'a A 192.0.2.2\n'))).toMatchObject({ from: 2, to: 3 });
    expect(damaged.since(ORIGIN, 1, 3)).toBeNull();
    expect(damaged.since(ORIGIN, 2, 3)).toHaveLength(1);
    expect(log.lines.length).toBeGreaterThan(0);
  });

  it('a damaged saved version is not read: the journal starts over without a crash', () => {
    const dir = stateDir();
    const j = new Journal({}, new JournalStore(dir));
    j.record(ORIGIN, form(1, ''));
    j.record(ORIGIN, form(2, 'a A 192.0.2.1\n'));
    const last = path.join(dir, 'journal', 'j.test.last');
    truncateSync(last, readFileSync(last).length - 5);
    const log = quietLog();
    const after = new Journal({}, new JournalStore(dir, log));
    expect(after.record(ORIGIN, form(3, 'a A 192.0.2.2\n'))).toBeNull();
    expect(after.entries(ORIGIN)).toHaveLength(0);
    expect(log.lines.join('\n')).toMatch(/not a transfer form/);
    // And from there on it journals again.
    expect(after.record(ORIGIN, form(4, 'a A 192.0.2.3\n'))).toMatchObject({ from: 3, to: 4 });
  });

  it('bounds: the file keeps only the newest versions, by count and by bytes', () => {
    const dir = stateDir();
    const j = new Journal({ entries: 2 }, new JournalStore(dir));
    for (let n = 1; n <= 5; n++) j.record(ORIGIN, form(n, `a A 192.0.2.${n}\n`));
    const file = path.join(dir, 'journal', 'j.test.jnl');
    expect(readEntries(readFileSync(file)).entries.map((e) => [e.from, e.to])).toEqual([[3, 4], [4, 5]]);
    // Restarted with a smaller byte bound: the oldest goes, on disk too.
    const one = j.entries(ORIGIN)[1].bytes;
    const small = new Journal({ bytes: one }, new JournalStore(dir));
    small.record(ORIGIN, form(5, 'a A 192.0.2.5\n'));
    expect(small.since(ORIGIN, 3, 5)).toBeNull();
    expect(small.since(ORIGIN, 4, 5)).toHaveLength(1);
    expect(readEntries(readFileSync(file)).entries.map((e) => [e.from, e.to])).toEqual([[4, 5]]);
  });

  it('a serial that does not move starts the journal over on disk too; a removed zone loses its files', () => {
    const dir = stateDir();
    const j = new Journal({}, new JournalStore(dir));
    j.record(ORIGIN, form(1, ''));
    j.record(ORIGIN, form(2, 'a A 192.0.2.1\n'));
    j.record(ORIGIN, form(2, 'a A 192.0.2.2\n'));
    const file = path.join(dir, 'journal', 'j.test.jnl');
    expect(readEntries(readFileSync(file)).entries).toHaveLength(0);
    j.forget(ORIGIN);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
    expect(new JournalStore(dir).load(ORIGIN)).toBeNull();
  });
});
