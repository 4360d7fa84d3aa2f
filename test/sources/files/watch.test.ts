// FileWatcher: a burst of writes is one change, a rename over the file is seen (and so are edits
// after it), unrelated files in the directory are not reported, symlink swaps and deletions are,
// and zone directories report new files.

import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileWatcher } from '../../../src/sources/files/watch.ts';
import { until } from '../../helpers/until.ts';

const watchers: FileWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.close();
});

function setup(debounceMs = 100, maxWaitMs = 2000) {
  const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-watch-'));
  const reports: string[][] = [];
  const errors: string[] = [];
  const watcher = new FileWatcher({
    debounceMs,
    maxWaitMs,
    onChange: (paths) => void reports.push(paths),
    onError: (d, err) => void errors.push(`${d}: ${err.message}`),
  });
  watchers.push(watcher);
  return { dir, reports, errors, watcher };
}

/** Long enough for any event already caused to have been reported (several debounce periods). */
const settle = () => new Promise((r) => setTimeout(r, 400));

describe('FileWatcher', () => {
  it('reports a burst of writes to one file as one change, after the quiet spell', async () => {
    const { dir, reports, watcher } = setup(300);
    const file = path.join(dir, 'a.zone');
    writeFileSync(file, 'v1\n');
    watcher.watch([file]);
    // Five writes 10 ms apart, each its own event: well within one quiet spell of 300 ms.
    for (let i = 0; i < 5; i++) {
      appendFileSync(file, `line ${i}\n`);
      await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => reports.length > 0, { what: 'a report' });
    await settle();
    expect(reports).toEqual([[file]]);
  });

  it('sees a rename over the file, and edits to the new file after it', async () => {
    const { dir, reports, watcher } = setup();
    const file = path.join(dir, 'a.zone');
    writeFileSync(file, 'v1\n');
    watcher.watch([file]);
    const tmp = path.join(dir, '.a.zone.tmp');
    writeFileSync(tmp, 'v2\n');
    renameSync(tmp, file);
    await until(() => reports.length === 1, { what: 'the rename' });
    expect(reports[0]).toEqual([file]);
    // A watch on the old inode would miss this; the directory watch does not.
    appendFileSync(file, 'more\n');
    await until(() => reports.length === 2, { what: 'the edit after the rename' });
    expect(reports[1]).toEqual([file]);
  });

  it('does not report other files in the directory', async () => {
    const { dir, reports, watcher } = setup();
    const file = path.join(dir, 'a.zone');
    writeFileSync(file, 'v1\n');
    watcher.watch([file]);
    writeFileSync(path.join(dir, 'other.txt'), 'x\n');
    writeFileSync(path.join(dir, 'b.zone'), 'x\n');
    await settle();
    expect(reports).toEqual([]);
  });

  it('reports a symlink swapped to point elsewhere (the ConfigMap pattern), and a deletion', async () => {
    const { dir, reports, watcher } = setup();
    writeFileSync(path.join(dir, 'v1.zone'), 'v1\n');
    writeFileSync(path.join(dir, 'v2.zone'), 'v2\n');
    const link = path.join(dir, 'a.zone');
    symlinkSync('v1.zone', link);
    watcher.watch([link]);
    // Swap a second link over ours by rename: the event names the temporary link, not ours...
    symlinkSync('v2.zone', path.join(dir, 'new-link'));
    renameSync(path.join(dir, 'new-link'), path.join(dir, 'data'));
    await settle();
    expect(reports).toEqual([]);
    // ...but a change of what our name points at, whatever the event names, is reported.
    unlinkSync(link);
    symlinkSync('v2.zone', path.join(dir, 'tmp-link'));
    renameSync(path.join(dir, 'tmp-link'), link);
    await until(() => reports.length > 0, { what: 'the swap' });
    expect(reports.flat()).toContain(link);
    reports.length = 0;
    rmSync(link);
    await until(() => reports.length > 0, { what: 'the deletion' });
    expect(reports).toEqual([[link]]);
  });

  it('reports new, changed and removed files a directory accepts', async () => {
    const { dir, reports, watcher } = setup();
    watcher.watch([], [{ dir, accept: (name) => name.endsWith('.zone') }]);
    const file = path.join(dir, 'new.zone');
    writeFileSync(file, 'x\n');
    writeFileSync(path.join(dir, 'ignored.txt'), 'x\n');
    await until(() => reports.length > 0, { what: 'the new file' });
    await settle();
    expect(reports).toEqual([[file]]);
    rmSync(file);
    await until(() => reports.length > 1, { what: 'the removal' });
    expect(reports[1]).toEqual([file]);
  });

  it('reports changes to files in several directories together', async () => {
    const { dir, reports, watcher } = setup();
    const sub = mkdtempSync(path.join(dir, 'sub-'));
    const a = path.join(dir, 'a.zone');
    const b = path.join(sub, 'b.inc');
    writeFileSync(a, '1\n');
    writeFileSync(b, '1\n');
    watcher.watch([a, b]);
    expect(watcher.directories().sort()).toEqual([dir, sub].sort());
    writeFileSync(a, '2\n');
    writeFileSync(b, '2\n');
    await until(() => reports.length > 0, { what: 'a report' });
    await settle();
    expect(reports).toEqual([[a, b].sort()]);
    // No longer watched: its directory is released.
    watcher.watch([a]);
    expect(watcher.directories()).toEqual([dir]);
  });

  it('still reports while writes never pause, once the first is maxWaitMs old', async () => {
    const { dir, reports, watcher } = setup(200, 300);
    const file = path.join(dir, 'a.zone');
    writeFileSync(file, 'v1\n');
    watcher.watch([file]);
    let writes = 0;
    const timer = setInterval(() => appendFileSync(file, `${writes++}\n`), 20);
    try {
      await until(() => reports.length >= 2, { what: 'reports during the writes', timeoutMs: 5000 });
    } finally {
      clearInterval(timer);
    }
    expect(reports[0]).toEqual([file]);
  });

  it('says when a directory cannot be watched, and tries again on the next watch()', async () => {
    const { dir, errors, reports, watcher } = setup();
    const missing = path.join(dir, 'later');
    const file = path.join(missing, 'a.zone');
    watcher.watch([file]);
    expect(errors).toEqual([expect.stringContaining(missing)]);
    mkdirSync(missing);
    watcher.watch([file]);
    expect(watcher.directories()).toEqual([missing]);
    writeFileSync(file, 'x\n');
    await until(() => reports.length > 0, { what: 'the new file' });
    expect(reports[0]).toEqual([file]);
  });

  it('reports nothing after close()', async () => {
    const { dir, reports, watcher } = setup();
    const file = path.join(dir, 'a.zone');
    writeFileSync(file, 'v1\n');
    watcher.watch([file]);
    writeFileSync(file, 'v2\n');
    watcher.close();
    await settle();
    expect(reports).toEqual([]);
  });
});
