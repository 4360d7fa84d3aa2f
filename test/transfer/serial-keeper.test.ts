// Generated zones: the serial moves only when the content changes, and survives a restart.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { soaSerial } from '../../src/transfer/message.ts';
import { SerialKeeper } from '../../src/transfer/serial-keeper.ts';
import { parseName } from '../../src/zone/name.ts';
import { parseZoneText } from '../../src/zone/parse-zone.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-serials-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function zone(body: string, serial = 1) {
  const parsed = parseZoneText(`$TTL 60\n@ SOA ns1 h ${serial} 3600 600 86400 60\n@ NS ns1\nns1 A 192.0.2.1\n${body}`, 'gen', { origin: parseName('gen.test.', null) });
  return parsed.zone;
}

describe('SerialKeeper', () => {
  it('keeps the serial for the same content, raises it for new content, across restarts', () => {
    let now = 1_700_000_000;
    const keeper = new SerialKeeper(dir, () => now);
    const a = zone('x A 192.0.2.5\n');
    expect(keeper.assign('gen.test.', a)).toBe(1_700_000_000);
    expect(soaSerial(a.records.find((r) => r.type === 6)!.rdata)).toBe(1_700_000_000);
    now += 100;
    // Same records (another order, another serial in the source): same serial.
    expect(keeper.assign('gen.test.', zone('x A 192.0.2.5\n', 77))).toBe(1_700_000_000);
    // Changed content: now.
    expect(keeper.assign('gen.test.', zone('x A 192.0.2.6\n'))).toBe(1_700_000_100);
    // Two changes within the same second still increase.
    expect(keeper.assign('gen.test.', zone('x A 192.0.2.7\n'))).toBe(1_700_000_101);
    // A restart remembers.
    const again = new SerialKeeper(dir, () => now);
    expect(again.assign('gen.test.', zone('x A 192.0.2.7\n'))).toBe(1_700_000_101);
    expect(again.assign('gen.test.', zone('x A 192.0.2.8\n'))).toBe(1_700_000_102);
  });
});
