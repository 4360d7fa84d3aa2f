// Small helpers of the zone-transfer interop tests: a zone's SOA serial as a server answers it,
// and a bounded poll.
import dnsPacket from 'dns-packet';
import { buildQuery, udpQuery } from './dns-client.ts';

/** The SOA serial `port` answers for `origin`, or null (no answer, not NOERROR, no SOA). */
export async function soaSerialOf(port: number, origin: string): Promise<number | null> {
  try {
    const msg = dnsPacket.decode(await udpQuery(port, buildQuery({ name: origin, type: 'SOA' }), 500));
    if ((msg as unknown as { rcode: string }).rcode !== 'NOERROR') return null;
    const soa = (msg.answers ?? []).find((a) => a.type === 'SOA');
    return soa === undefined ? null : (soa.data as { serial: number }).serial;
  } catch {
    return null;
  }
}

/** Poll `cond` every 50 ms until true; throw after `timeoutMs`. */
export async function waitFor(cond: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
