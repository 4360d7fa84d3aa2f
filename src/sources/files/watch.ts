// Noticing that files changed: watch their directories (not the files), wait for a short quiet
// spell, then report the paths that changed, appeared or went away.
//
// Why directories: an editor or deploy tool that writes a temporary file and renames it over the
// zone gives the zone a new inode, and a watch on the old inode never fires again. A directory
// watch sees the rename (and in-place writes, deletions, new files) under the file's name.

import { watch, statSync, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { WARN_WATCH } from '../../errors.ts';
import type { Logger } from '../../primary/log.ts';

export const DEFAULT_DEBOUNCE_MS = 50;
export const DEFAULT_MAX_WAIT_MS = 500;

export interface WatchOptions {
  /** Report once no event came for this long (default 50 ms): a write in several chunks is one change. */
  debounceMs?: number;
  /** Report anyway once the first pending change is this old, even if events keep coming (default 500 ms). */
  maxWaitMs?: number;
  /** The changed paths (absolute, sorted), after the quiet spell. */
  onChange: (paths: string[]) => void;
  /** A directory could not be watched, or its watch failed; watch() tries it again. */
  onError: (dir: string, err: Error) => void;
}

/** A directory to watch as a whole: any entry whose name `accept`s is reported (new, changed, gone). */
export interface WatchedDirectory {
  dir: string;
  accept: (name: string) => boolean;
}

interface DirWatch {
  watcher: FSWatcher | null;
  /** Names of the files watched in this directory. */
  files: Set<string>;
  accept: ((name: string) => boolean) | null;
}

export class FileWatcher {
  private readonly options: Required<WatchOptions>;
  private dirs = new Map<string, DirWatch>();
  /** What stat() said of each watched file when it was added or last reported. */
  private readonly seen = new Map<string, string>();
  /** Paths an event named: reported for sure. */
  private readonly pending = new Set<string>();
  /** Directories where something else changed: their files are reported only if stat() differs. */
  private readonly recheck = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private firstPendingAt = 0;
  private closed = false;

  constructor(options: WatchOptions) {
    this.options = {
      ...options,
      debounceMs: options.debounceMs ?? DEFAULT_DEBOUNCE_MS,
      maxWaitMs: options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    };
  }

  /**
   * Watch exactly these files and directories from now on (paths are resolved). Directories no
   * longer needed are released; those that failed before are tried again.
   */
  watch(files: Iterable<string>, directories: WatchedDirectory[] = []): void {
    if (this.closed) return;
    const wanted = new Map<string, DirWatch>();
    const entry = (dir: string): DirWatch => {
      let d = wanted.get(dir);
      if (d === undefined) {
        const old = this.dirs.get(dir);
        d = { watcher: old?.watcher ?? null, files: new Set(), accept: null };
        wanted.set(dir, d);
      }
      return d;
    };
    const watchedFiles = new Set<string>();
    for (const file of files) {
      const full = path.resolve(file);
      entry(path.dirname(full)).files.add(path.basename(full));
      watchedFiles.add(full);
      if (!this.seen.has(full)) this.seen.set(full, signature(full));
    }
    for (const { dir, accept } of directories) entry(path.resolve(dir)).accept = accept;
    for (const file of this.seen.keys()) if (!watchedFiles.has(file)) this.seen.delete(file);

    for (const [dir, old] of this.dirs) if (!wanted.has(dir)) old.watcher?.close();
    this.dirs = wanted;
    for (const [dir, d] of wanted) if (d.watcher === null) d.watcher = this.open(dir);
  }

  /** Directories currently watched (for tests and logs). */
  directories(): string[] {
    return [...this.dirs.entries()].filter(([, d]) => d.watcher !== null).map(([dir]) => dir);
  }

  close(): void {
    this.closed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    for (const d of this.dirs.values()) d.watcher?.close();
    this.dirs.clear();
  }

  private open(dir: string): FSWatcher | null {
    try {
      // Not persistent: a watch must never be what keeps a stopping server alive.
      const watcher = watch(dir, { persistent: false }, (_event, name) => this.event(dir, name));
      watcher.on('error', (err) => {
        watcher.close();
        const d = this.dirs.get(dir);
        if (d !== undefined && d.watcher === watcher) d.watcher = null;
        this.options.onError(dir, err);
      });
      return watcher;
    } catch (err) {
      this.options.onError(dir, err as Error);
      return null;
    }
  }

  private event(dir: string, name: string | Buffer | null): void {
    const d = this.dirs.get(dir);
    if (d === undefined || this.closed) return;
    const base = name === null ? null : String(name);
    if (base !== null && (d.files.has(base) || (d.accept !== null && d.accept(base)))) {
      this.pending.add(path.join(dir, base));
    } else if (d.files.size > 0) {
      // Another name changed: a symlink swapped over ours (Kubernetes ConfigMaps do this), or an
      // unrelated file. stat() tells which when the quiet spell ends.
      this.recheck.add(dir);
    } else {
      return;
    }
    this.schedule();
  }

  private schedule(): void {
    const now = Date.now();
    if (this.timer === null) this.firstPendingAt = now;
    else clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.options.debounceMs, this.firstPendingAt + this.options.maxWaitMs - now));
    this.timer = setTimeout(() => this.fire(), wait);
  }

  private fire(): void {
    this.timer = null;
    for (const dir of this.recheck) {
      for (const name of this.dirs.get(dir)?.files ?? []) {
        const full = path.join(dir, name);
        if (!this.pending.has(full) && signature(full) !== this.seen.get(full)) this.pending.add(full);
      }
    }
    this.recheck.clear();
    if (this.pending.size === 0) return;
    const changed = [...this.pending].sort();
    this.pending.clear();
    for (const file of changed) if (this.seen.has(file)) this.seen.set(file, signature(file));
    this.options.onChange(changed);
  }
}

/** Identity and version of what a path names now (following symlinks), or `missing`. */
function signature(file: string): string {
  try {
    const st = statSync(file, { bigint: true, throwIfNoEntry: false });
    if (st === undefined) return 'missing';
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`;
  } catch {
    return 'missing';
  }
}

/** The onError every source uses: a warning that the directory's changes are seen on SIGHUP only. */
export function warnUnwatchable(log: Logger): (dir: string, err: Error) => void {
  return (dir, err) =>
    log.warn({ event: 'watch_error', dir, code: WARN_WATCH }, `cannot watch ${dir} (${err.message}): changes there are seen on SIGHUP only`);
}

/** A watcher of one file (a services, registry or tinydns file): `onChange` after each settled change. */
export function watchFile(file: string, options: { debounceMs?: number; log: Logger; onChange: () => void }): FileWatcher {
  const watcher = new FileWatcher({ debounceMs: options.debounceMs, onChange: options.onChange, onError: warnUnwatchable(options.log) });
  watcher.watch([path.resolve(file)]);
  return watcher;
}
