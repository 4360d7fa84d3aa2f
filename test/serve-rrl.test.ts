// `peregrine serve --rrl`: a burst from one client prefix is limited (the surplus dropped, every
// 2nd limited answer sent truncated), a client in another prefix is not, TCP never is, and
// /metrics counts each decision as the clients saw it.
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { query, scrape, startServing, stopServers, tcpQuery, udpQuery, waitFor } from './serve-harness.ts';

afterEach(stopServers);

interface Tally {
  full: number;
  truncated: number;
  /** Replies to an ID not sent, or sent twice. */
  odd: number;
}

/**
 * `count` queries for shop.example. SOA from `sockets` sockets bound to `source`, all sent at
 * once; replies gathered until `quietMs` pass without one.
 */
async function burst(port: number, source: string, count: number, sockets: number, firstId: number, quietMs = 700): Promise<Tally> {
  const tally: Tally = { full: 0, truncated: 0, odd: 0 };
  const pending = new Set<number>();
  const socks = await Promise.all(
    Array.from({ length: sockets }, () => new Promise<dgram.Socket>((resolve) => {
      const s = dgram.createSocket('udp4');
      s.bind(0, source, () => resolve(s));
    })),
  );
  let last = Date.now();
  for (const s of socks) {
    s.on('message', (msg) => {
      last = Date.now();
      const id = msg.readUInt16BE(0);
      if (!pending.delete(id)) tally.odd++;
      else if ((msg[2] & 0x02) !== 0) {
        tally.truncated++;
        // A slipped answer: the question only, no records, so it amplifies nothing.
        const d = dnsPacket.decode(msg);
        expect([d.questions?.length, d.answers?.length, d.authorities?.length, d.additionals?.length]).toEqual([1, 0, 0, 0]);
      } else tally.full++;
    });
  }
  for (let i = 0; i < count; i++) {
    const id = firstId + i;
    pending.add(id);
    socks[i % sockets].send(dnsPacket.encode(query('shop.example', 'SOA', id)), port, '127.0.0.1');
  }
  while (Date.now() - last < quietMs) await new Promise((r) => setTimeout(r, 50));
  for (const s of socks) s.close();
  return tally;
}

describe('peregrine serve --rrl', () => {
  it('limits one prefix\'s burst with slip 2, leaves another prefix and TCP alone, and counts it all', async () => {
    const { s, dnsPort, httpPort } = await startServing([
      '--zone', 'examples/shop.example.zone',
      '--workers', '2',
      '--rrl', '10',
      '--rrl-slip', '2',
      '--rrl-whitelist', '127.0.2.0/24',
    ]);
    expect(s.logs.find((l) => l.event === 'start')).toMatchObject({ rrl: { rate: 10, slip: 2, whitelist: ['127.0.2.0/24'] } });

    // 300 queries at once from 127.0.0.1 over 16 source ports (so both workers get some): the
    // table is shared, so the prefix gets ~10 a second in all, not 10 per worker.
    const flood = await burst(dnsPort, '127.0.0.1', 300, 16, 1000);
    expect(flood.odd).toBe(0);
    if (process.env.PEREGRINE_TEST_REPORT) console.log('rrl burst', flood);
    const limited = 300 - flood.full;
    const dropped = limited - flood.truncated;
    expect(flood.full).toBeGreaterThanOrEqual(10);
    expect(flood.full).toBeLessThan(150); // the burst spans at most a few seconds, even on a slow machine
    // Slip 2: every second limited answer goes out truncated (per bucket and second: ±1 each).
    expect(Math.abs(flood.truncated - dropped)).toBeLessThanOrEqual(6);

    // Another /24 is another client: answered in full while 127.0.0.0/24 is being limited.
    const other = await burst(dnsPort, '127.0.1.1', 8, 2, 5000);
    expect(other).toEqual({ full: 8, truncated: 0, odd: 0 });
    // A whitelisted prefix is never limited, even far over the rate.
    const white = await burst(dnsPort, '127.0.2.9', 60, 4, 6000);
    expect(white).toEqual({ full: 60, truncated: 0, odd: 0 });
    // TCP is never limited, also for the limited prefix.
    for (let id = 7000; id < 7030; id++) {
      const r = await tcpQuery(dnsPort, query('shop.example', 'SOA', id));
      expect(r.answers?.map((a) => a.type)).toEqual(['SOA']);
    }

    const m = await scrape(httpPort);
    expect(m.get('peregrine_rrl_total{action="pass"}')).toBe(flood.full + other.full + white.full);
    expect(m.get('peregrine_rrl_total{action="slip"}')).toBe(flood.truncated);
    expect(m.get('peregrine_rrl_total{action="drop"}')).toBe(dropped);
    expect(m.get('peregrine_dropped_total{reason="rrl"}')).toBe(dropped);
    // Every datagram was seen by a worker: answered (in full or slipped) or dropped by RRL.
    const udpAnswered = m.get('peregrine_queries_total{transport="udp",qtype="SOA",rcode="NOERROR"}');
    expect(udpAnswered).toBe(flood.full + flood.truncated + other.full + white.full);
    expect(m.get('peregrine_queries_total{transport="tcp",qtype="SOA",rcode="NOERROR"}')).toBe(30);

    // At a later second the prefix has its rate again.
    let id = 9000;
    await waitFor(async () => {
      try {
        const again = await udpQuery(dnsPort, query('shop.example', 'SOA', id++), 300);
        return again.answers?.length === 1;
      } catch {
        return false; // dropped: still limited
      }
    }, 'a full answer for 127.0.0.1 again', 5000);

    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});
