// kdig for the transfer tests: run it, and read the records it prints.
import { execFile } from 'node:child_process';

export function kdig(args: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  return run('kdig', args, timeoutMs);
}

/** Run a DNS tool (kdig, dig); a missing tool fails with the package to install. */
export function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err && (err as NodeJS.ErrnoException).code === 'ENOENT') return reject(new Error(`${cmd} is not installed (Debian package knot-dnsutils / bind9-dnsutils)`));
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

/** The record lines of kdig output (`+noall +answer` style): owner TTL class type rdata. */
export function recordLines(out: string): string[] {
  return out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).map((l) => l.replace(/\s+/g, ' ').trim());
}
