// Polling for tests: wait until something has happened, or fail after a while.

export interface UntilOptions {
  /** Fail after this long (default 5 s). */
  timeoutMs?: number;
  /** Check this often (default 10 ms). */
  intervalMs?: number;
  /** What is waited for, for the error message. */
  what?: string;
}

/** Resolve once `cond` returns true; throw if it has not after `timeoutMs` (or if it throws). */
export async function until(cond: () => boolean | Promise<boolean>, opts: UntilOptions = {}): Promise<void> {
  const { timeoutMs = 5000, intervalMs = 10, what } = opts;
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(what === undefined ? 'timed out' : `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
