// Test-only triggers, installed only when PEREGRINE_TEST_HOOKS=1: SIGUSR2 terminates worker 0 as a
// crash would, so end-to-end tests can watch the pool replace it. Never set this in production.

import type { Logger } from './log.ts';

/** What the hooks need from the worker pool. */
export interface HookTarget {
  /** End worker `index` at once (Worker.terminate()): the pool sees an unexpected exit and restarts it. */
  terminateWorker(index: number): Promise<void>;
}

/** Returns the function that removes the hooks (a no-op when they are not enabled). */
export function installTestHooks(env: NodeJS.ProcessEnv, pool: HookTarget, log: Logger): () => void {
  if (env.PEREGRINE_TEST_HOOKS !== '1') return () => {};
  log.warn({ event: 'test_hooks', code: 'PGN_WARN_TEST_HOOKS' }, 'PEREGRINE_TEST_HOOKS=1: SIGUSR2 terminates worker 0 (test-only)');
  const onSignal = (): void => {
    log.warn({ event: 'test_hook', signal: 'SIGUSR2', worker: 0 }, 'SIGUSR2 (test hook): terminating worker 0');
    void pool.terminateWorker(0);
  };
  process.on('SIGUSR2', onSignal);
  return () => void process.off('SIGUSR2', onSignal);
}
