// `peregrine serve` with NOTIFY targets: the first NOTIFY leaves only once the workers answer the
// zone (a secondary that asks at once gets its SOA, not silence or REFUSED), and each zone goes
// to the targets of its config entry, --notify / `notify:` being the default.

import dgram from 'node:dgram';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import dnsPacket from 'dns-packet';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, query, startServing, stopServers, udpQuery, waitFor, type Response } from './serve-harness.ts';

const dirs: string[] = [];
const sockets: dgram.Socket[] = [];
afterEach(async () => {
  await stopServers();
  for (const s of sockets.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

interface FakeSecondary {
  port: number;
  /** Zones notified, in order of arrival. */
  zones: string[];
  /** The server's answer to the SOA query sent the moment each NOTIFY arrived. */
  answers: Promise<Response | Error>[];
}

/**
 * A secondary as knotd behaves: on NOTIFY it acks, and at once asks the primary for the SOA
 * (`dnsPort`), as its refresh would.
 */
async function fakeSecondary(dnsPort: number): Promise<FakeSecondary> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  const f: FakeSecondary = { port: 0, zones: [], answers: [] };
  socket.on('message', (msg, rinfo) => {
    const m = dnsPacket.decode(msg);
    const zone = m.questions?.[0]?.name ?? '?';
    f.zones.push(zone);
    f.answers.push(udpQuery(dnsPort, query(zone, 'SOA', 4242), 2000).catch((err: Error) => err));
    socket.send(dnsPacket.encode({ type: 'response', id: m.id, flags: (4 << 11) | dnsPacket.AUTHORITATIVE_ANSWER, questions: m.questions }), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  f.port = (socket.address() as { port: number }).port;
  return f;
}

describe('serve: NOTIFY out', () => {
  it('sends the first NOTIFY only once the workers answer the zone', async () => {
    const dnsPort = await freePort();
    const secondary = await fakeSecondary(dnsPort);
    const { s } = await startServing(['--zone', 'examples/shop.example.zone', '--workers', '2', '--notify', `127.0.0.1:${secondary.port}`], { dnsPort });
    await waitFor(() => secondary.answers.length > 0, 'the first NOTIFY');
    const answer = await secondary.answers[0];
    if (answer instanceof Error) throw new Error(`the SOA query sent on NOTIFY got no answer: ${answer.message}`);
    expect(answer.rcode).toBe('NOERROR');
    expect(answer.answers?.[0]?.type).toBe('SOA');
    // The NOTIFY was logged after the server said it serves.
    const events = s.logs.map((l) => l.event);
    expect(events.indexOf('serving')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('notify_sent')).toBeGreaterThan(events.indexOf('serving'));
  });

  it('notifies each zone at the targets of its config entry, the global list for the others', async () => {
    const dnsPort = await freePort();
    const [a, b, global] = await Promise.all([fakeSecondary(dnsPort), fakeSecondary(dnsPort), fakeSecondary(dnsPort)]);
    const dir = mkdtempSync(path.join(tmpdir(), 'peregrine-notify-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'zones'));
    copyFileSync('examples/shop.example.zone', path.join(dir, 'shop.example.zone'));
    copyFileSync('examples/localhost.zone', path.join(dir, 'localhost.zone'));
    copyFileSync('examples/0.0.127.in-addr.arpa.zone', path.join(dir, 'zones', '0.0.127.in-addr.arpa.zone'));
    const config = path.join(dir, 'peregrine.yaml');
    writeFileSync(config, [
      'zones:',
      `  - { file: shop.example.zone, notify: ["127.0.0.1:${a.port}", "127.0.0.1:${b.port}"] }`,
      '  - localhost.zone',
      'zone-dir:',
      `  - { dir: zones, notify: ["127.0.0.1:${b.port}"] }`,
      `notify: ["127.0.0.1:${global.port}"]`,
    ].join('\n') + '\n');
    const { s, httpPort } = await startServing(['--config', config, '--workers', '1'], { dnsPort });
    await waitFor(() => s.logs.filter((l) => l.event === 'notify_acked').length === 4, 'four acknowledged NOTIFYs');
    expect(a.zones).toEqual(['shop.example']);
    expect(b.zones.sort()).toEqual(['0.0.127.in-addr.arpa', 'shop.example']);
    expect(global.zones).toEqual(['localhost']);
    // /zones: each zone's source, and the last NOTIFY per target.
    const zones = (await (await fetch(`http://127.0.0.1:${httpPort}/zones`)).json()) as { name: string; serial: number; source: string; notify: { target: string; serial: number; result: string }[] }[];
    const byName = new Map(zones.map((z) => [z.name, z]));
    const shop = byName.get('shop.example.')!;
    expect(shop.source).toBe('zone-file');
    expect(shop.notify.map((n) => n.target).sort()).toEqual([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`].sort());
    for (const n of shop.notify) expect(n).toMatchObject({ serial: shop.serial, result: 'acked' });
    expect(byName.get('0.0.127.in-addr.arpa.')!.source).toBe('zone-dir');
    expect(byName.get('localhost.')!.notify).toMatchObject([{ target: `127.0.0.1:${global.port}`, result: 'acked' }]);
  });
});
