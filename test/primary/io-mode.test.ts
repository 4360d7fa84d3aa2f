// --io: which UDP I/O the workers get, and the one log line that says so (and why it fell back).

import { describe, expect, it } from 'vitest';
import { resolveIoMode } from '../../src/primary/io-mode.ts';
import { loadMmsg, type MmsgAddon } from '../../src/transport/mmsg.ts';
import { memoryLog } from './helpers.ts';

const missing = () => ({ addon: null, reason: 'cc failed (exit 1)' });
const present = () => ({ addon: { MAX_BATCH: 64 } as MmsgAddon, reason: null });

describe('resolveIoMode', () => {
  it('uses mmsg by default where the addon loads (it does here: npm ci builds it)', () => {
    expect(loadMmsg().reason).toBeNull();
    const { log, lines } = memoryLog();
    expect(resolveIoMode('auto', log)).toBe('mmsg');
    expect(lines.filter((l) => l.fields.event === 'io').map((l) => l.fields)).toEqual([expect.objectContaining({ io: 'mmsg', requested: 'auto' })]);
  });

  it('falls back to dgram without the addon, logging the reason once', () => {
    const { log, lines } = memoryLog();
    expect(resolveIoMode('auto', log, missing)).toBe('dgram');
    const io = lines.filter((l) => l.fields.event === 'io').map((l) => l.fields);
    expect(io).toHaveLength(1);
    expect(io[0]).toMatchObject({ io: 'dgram', code: 'PGN_IO_FALLBACK', reason: 'cc failed (exit 1)' });
  });

  it('refuses an explicit --io mmsg without the addon', () => {
    const { log, lines } = memoryLog();
    expect(resolveIoMode('mmsg', log, missing)).toBeNull();
    expect(lines.find((l) => l.fields.event === 'io')?.fields).toMatchObject({ code: 'PGN_ERR_IO', reason: 'cc failed (exit 1)' });
  });

  it('takes dgram when asked, and mmsg when asked and there', () => {
    expect(resolveIoMode('dgram', memoryLog().log, present)).toBe('dgram');
    expect(resolveIoMode('mmsg', memoryLog().log, present)).toBe('mmsg');
  });
});
