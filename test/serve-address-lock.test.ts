// One Peregrine per DNS address: a second `serve` on an address another one serves exits 1 naming
// its pid (SO_REUSEPORT would have let it in and split the queries), the first keeps answering
// everything; the lock dies with its process, so a restart after SIGKILL starts.

import { afterEach, describe, expect, it } from 'vitest';
import { freePort, query, startServer, startServing, stopServers, udpQuery } from './serve-harness.ts';

afterEach(stopServers);

describe('serve: one server per address', () => {
  it('refuses a second server on the same address; the first answers every query; after SIGKILL a new one starts', async () => {
    const { s: first, dnsPort } = await startServing(['--zone', 'examples/shop.example.zone', '--workers', '2']);
    for (const listen of [`127.0.0.1:${dnsPort}`, `0.0.0.0:${dnsPort}`]) {
      const second = startServer(['--zone', 'examples/localhost.zone', '--listen', listen, '--http', `127.0.0.1:${await freePort()}`, '--drain', '0']);
      expect(await second.exited).toBe(1);
      const line = second.logs.find((l) => l.event === 'address_in_use');
      expect(line, JSON.stringify(second.logs)).toBeDefined();
      expect(line!.code).toBe('PGN_ERR_ADDRESS_IN_USE');
      expect(line!.pid).toBe(first.child.pid);
      expect(String(line!.msg)).toContain(`pid ${first.child.pid}`);
      expect(second.logs.some((l) => l.event === 'serving')).toBe(false);
    }
    for (let i = 0; i < 20; i++) {
      const r = await udpQuery(dnsPort, query('shop.example', 'SOA', i + 1));
      expect(r.rcode).toBe('NOERROR');
    }
    first.child.kill('SIGKILL');
    await first.exited;
    const { dnsPort: again } = await startServing(['--zone', 'examples/localhost.zone', '--workers', '1'], { dnsPort });
    expect(again).toBe(dnsPort);
    expect((await udpQuery(dnsPort, query('localhost', 'SOA', 99))).rcode).toBe('NOERROR');
  });
});
