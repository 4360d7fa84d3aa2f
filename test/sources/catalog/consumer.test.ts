// The catalog consumer's rules (RFC 9432 §5.5, §5.6) over a fake secondary source: members added
// and removed, a new label resets a member, a member of another catalog is ignored unless that
// catalog hands it over with `coo`.
import { describe, expect, it } from 'vitest';
import type { SecondarySpec } from '../../../src/config/serve-options.ts';
import type { Logger } from '../../../src/primary/log.ts';
import type { LoadedZone } from '../../../src/primary/zone-loader.ts';
import { CatalogConsumer, CatalogOwners } from '../../../src/sources/catalog/consumer.ts';
import type { SecondaryZones } from '../../../src/sources/secondary/secondary-zones.ts';
import { encodeTransfer, transferRecords } from '../../../src/transfer/zone-records.ts';
import { parseName } from '../../../src/zone/name.ts';
import { parseZoneText } from '../../../src/zone/parse-zone.ts';

function catalogVersion(origin: string, serial: number, body: string[]): LoadedZone {
  const parsed = parseZoneText(`$TTL 0\n@ SOA invalid. invalid. ${serial} 3600 600 2147483646 0\n@ NS invalid.\nversion TXT "2"\n${body.join('\n')}\n`, 'cat', { origin: parseName(origin, null) });
  if (parsed.errors.length > 0) throw new Error(String(parsed.errors[0]));
  return { origin, serial, transfer: encodeTransfer(transferRecords(parsed.zone)) } as unknown as LoadedZone;
}

/** What the consumer asked of the secondary source, in order. */
function fakeSecondaries(): { calls: string[]; zones: SecondaryZones } {
  const calls: string[] = [];
  const served = new Set<string>();
  const zones = {
    has: (o: string) => served.has(o),
    addZone: async (spec: SecondarySpec) => {
      served.add(spec.origin);
      calls.push(`add ${spec.origin} from ${spec.primaries[0].port}`);
    },
    removeZone: async (o: string) => {
      served.delete(o);
      calls.push(`remove ${o}`);
    },
  } as unknown as SecondaryZones;
  return { calls, zones };
}

const log = { info() {}, warn() {}, error() {}, debug() {} } as unknown as Logger;
const spec = (origin: string, port: number): SecondarySpec => ({ origin, primaries: [{ host: '127.0.0.1', port, family: 4 }], key: null });

describe('catalog consumer', () => {
  it('adds and removes members, and resets one whose label changes', async () => {
    const { calls, zones } = fakeSecondaries();
    const c = new CatalogConsumer(spec('cat.', 53), new CatalogOwners(), log);
    c.attach(zones);
    await c.served(catalogVersion('cat.', 1, ['a.zones PTR one.test.', 'b.zones PTR two.test.']));
    await c.served(catalogVersion('cat.', 2, ['a2.zones PTR one.test.', 'c.zones PTR three.test.']));
    expect(calls).toEqual([
      'add one.test. from 53', 'add two.test. from 53',
      'remove one.test.', 'add one.test. from 53', 'remove two.test.', 'add three.test. from 53',
    ]);
  });

  it('keeps its members when a version is not a catalog (no version "2")', async () => {
    const { calls, zones } = fakeSecondaries();
    const c = new CatalogConsumer(spec('cat.', 53), new CatalogOwners(), log);
    c.attach(zones);
    await c.served(catalogVersion('cat.', 1, ['a.zones PTR one.test.']));
    const broken = catalogVersion('cat.', 2, []);
    const parsed = parseZoneText('$TTL 0\n@ SOA invalid. invalid. 3 3600 600 2147483646 0\n@ NS invalid.\n', 'cat', { origin: parseName('cat.', null) });
    (broken as { transfer: SharedArrayBuffer }).transfer = encodeTransfer(transferRecords(parsed.zone));
    await c.served(broken);
    expect(calls).toEqual(['add one.test. from 53']);
    expect([...c.members.keys()]).toEqual(['one.test.']);
  });

  it('a member of another catalog is ignored, until that catalog points it to us with coo', async () => {
    const owners = new CatalogOwners();
    const a = fakeSecondaries();
    const old = new CatalogConsumer(spec('old.', 5301), owners, log);
    const next = new CatalogConsumer(spec('new.', 5302), owners, log);
    old.attach(a.zones);
    next.attach(a.zones);
    await old.served(catalogVersion('old.', 1, ['m.zones PTR moving.test.']));
    await next.served(catalogVersion('new.', 1, ['m.zones PTR moving.test.']));
    expect(a.calls).toEqual(['add moving.test. from 5301']);
    expect(owners.owner.get('moving.test.')).toBe(old);

    await old.served(catalogVersion('old.', 2, ['m.zones PTR moving.test.', 'coo.m.zones PTR new.']));
    await next.served(catalogVersion('new.', 2, ['m.zones PTR moving.test.']));
    // Same label but other primaries: served anew from the new catalog's primaries.
    expect(owners.owner.get('moving.test.')).toBe(next);
    expect(a.calls.slice(1)).toEqual(['remove moving.test.', 'add moving.test. from 5302']);
    expect([...next.members.keys()]).toEqual(['moving.test.']);
    // The old catalog dropping it now does not remove it.
    await old.served(catalogVersion('old.', 3, []));
    expect(a.calls.slice(3)).toEqual([]);
    expect(owners.owner.get('moving.test.')).toBe(next);
  });
});
