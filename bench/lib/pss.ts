// Memory of a server as the kernel accounts it: PSS (proportional set size) summed over the
// process and its descendants (NSD forks xfrd and server processes; Peregrine and Knot are one
// process of threads). PSS splits shared pages among the processes that map them, so a forked
// NSD's copy-on-write database is not counted once per child.

import { readFileSync, readdirSync } from 'node:fs';

/** The process and every descendant (from /proc/PID/task/TID/children). */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    out.push(p);
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue; // gone meanwhile
    }
    for (const t of tasks) {
      try {
        for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' ')) {
          if (c.trim() !== '') todo.push(Number(c));
        }
      } catch {
        // thread gone meanwhile
      }
    }
  }
  return out;
}

/** PSS of one process in KiB (0 if it is gone). */
function pssKiBOf(pid: number): number {
  try {
    const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** PSS of the process tree rooted at `pid`, in MiB. */
export function treePssMiB(pid: number): number {
  let kib = 0;
  for (const p of processTree(pid)) kib += pssKiBOf(p);
  return kib / 1024;
}

/** Samples the tree's PSS every `intervalMs` until stopped; the highest value seen is the peak. */
export class PssSampler {
  peakMiB = 0;
  private pid = 0;
  private timer: NodeJS.Timeout | null = null;

  private readonly intervalMs: number;

  constructor(intervalMs = 100) {
    this.intervalMs = intervalMs;
  }

  start(pid: number): void {
    this.pid = pid;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  sample(): number {
    if (this.pid === 0) return 0;
    const now = treePssMiB(this.pid);
    if (now > this.peakMiB) this.peakMiB = now;
    return now;
  }

  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    return this.peakMiB;
  }
}
