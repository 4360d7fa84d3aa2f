// Helpers for tests that change zones under a running `peregrine serve`: versioned zone text,
// atomic rewrites, and waiting until a serial is served.

import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeLogs, query, udpQuery, waitFor, type Server } from './serve-harness.ts';

/** The deadline of the issue: an edit of a 10k-record zone is served within this. */
export const SERVED_WITHIN_MS = 1000;

/** A zone with `hosts` A records h0..h(N-1), plus www whose address tells versions apart. */
export function zoneText(origin: string, serial: number, hosts = 0, www = `192.0.2.${serial % 250}`): string {
  const lines = [`$ORIGIN ${origin}`, '$TTL 300', `@ IN SOA ns1 hostmaster ${serial} 3600 600 86400 300`, '@ IN NS ns1', 'ns1 IN A 192.0.2.1', `www IN A ${www}`];
  for (let i = 0; i < hosts; i++) lines.push(`h${i} IN A 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
  return `${lines.join('\n')}\n`;
}

/** Write to a temporary file in the same directory, then rename it over `file` (as deploy tools do). */
export function replaceAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export async function serial(port: number, origin: string): Promise<number | null> {
  try {
    const res = await udpQuery(port, query(origin, 'SOA', 1), 500);
    const soa = res.answers?.find((a) => a.type === 'SOA');
    return soa !== undefined && 'data' in soa ? (soa.data as { serial: number }).serial : null;
  } catch {
    return null;
  }
}

/** Wait until `origin` answers with serial `want`; returns how long that took from `since`. */
export async function servedWithin(port: number, origin: string, want: number, since: number, server: Server): Promise<number> {
  await waitFor(async () => {
    if (server.child.exitCode !== null) throw new Error(`server exited:\n${describeLogs(server)}`);
    return (await serial(port, origin)) === want;
  }, `serial ${want} of ${origin}`, SERVED_WITHIN_MS + 2000);
  return Date.now() - since;
}
