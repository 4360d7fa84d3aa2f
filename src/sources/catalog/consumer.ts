// --catalog-consumer ORIGIN=HOST:PORT[,…]: the catalog ORIGIN is transferred as a secondary zone,
// and every member it lists (RFC 9432, version 2) is served as a secondary of the same primaries
// with the same TSIG key; members are added and removed as new versions of the catalog arrive.
// Across a restart, the catalog's saved copy (and each member's) is served at once and the
// members follow from it.
//
// RFC 9432 as read here:
// - A catalog without `version` TXT "2" is not used (the members stay as they were; logged).
// - A member is a PTR at LABEL.zones.CATALOG; a label with more than one PTR is ignored (§4.1),
//   and so is a second label for a name already listed.
// - Zone reset (§5.6): the member's label changed → its data is dropped and transferred anew.
// - Change of ownership (§5.5): a member already owned by another catalog is ignored here,
//   unless that catalog has `coo.LABEL.zones.OLD PTR THIS-CATALOG` for it: then it moves here
//   (reset when the label differs).
// - group (§4.4.2): read and logged with the member; no per-group settings exist here.

import { nameToText } from '../../zone/name.ts';
import { TYPE_PTR, TYPE_TXT } from '../../zone/types.ts';
import type { SecondarySpec } from '../../config/serve-options.ts';
import type { LoadedZone } from '../../primary/zone-loader.ts';
import type { Logger } from '../../primary/log.ts';
import type { WireRecord } from '../../transfer/message.ts';
import { TransferForm } from '../../transfer/zone-records.ts';
import type { SecondaryZones } from '../secondary/secondary-zones.ts';

export interface CatalogMember {
  /** Lowercase with the trailing dot. */
  zone: string;
  label: string;
  group: string | null;
  /** `coo` property: the catalog this member is moving to, lowercase with the trailing dot. */
  coo: string | null;
}

export type CatalogRead = { ok: true; members: Map<string, CatalogMember> } | { ok: false; error: string };

/** The members of a catalog zone's records (its origin lowercase with the trailing dot). */
export function readCatalog(origin: string, records: Iterable<WireRecord>): CatalogRead {
  const suffix = `.zones.${origin}`;
  let version: string | null = null;
  const ptrs = new Map<string, string[]>();
  const groups = new Map<string, string>();
  const coos = new Map<string, string>();
  for (const r of records) {
    const owner = nameToText(r.owner).toLowerCase();
    if (owner === `version.${origin}` && r.type === TYPE_TXT) version = txt(r.rdata);
    if (!owner.endsWith(suffix)) continue;
    const labels = owner.slice(0, -suffix.length).split('.');
    if (labels.length === 1 && r.type === TYPE_PTR) {
      const list = ptrs.get(labels[0]) ?? [];
      list.push(nameToText(r.rdata).toLowerCase());
      ptrs.set(labels[0], list);
    } else if (labels.length === 2 && labels[0] === 'group' && r.type === TYPE_TXT) {
      groups.set(labels[1], txt(r.rdata));
    } else if (labels.length === 2 && labels[0] === 'coo' && r.type === TYPE_PTR) {
      coos.set(labels[1], nameToText(r.rdata).toLowerCase());
    }
  }
  if (version !== '2') return { ok: false, error: version === null ? 'no version TXT record' : `version "${version}" (only "2" is read)` };
  const members = new Map<string, CatalogMember>();
  for (const [label, targets] of [...ptrs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (targets.length !== 1 || members.has(targets[0])) continue;
    members.set(targets[0], { zone: targets[0], label, group: groups.get(label) ?? null, coo: coos.get(label) ?? null });
  }
  return { ok: true, members };
}

/** The first character-string of a TXT RDATA. */
function txt(rdata: Uint8Array): string {
  return rdata.length === 0 ? '' : Buffer.from(rdata.subarray(1, 1 + rdata[0])).toString('latin1');
}

/** Which catalog owns which member, across every consumer (a zone is served once). */
export class CatalogOwners {
  readonly owner = new Map<string, CatalogConsumer>();
}

export class CatalogConsumer {
  readonly origin: string;
  readonly spec: SecondarySpec;
  private secondaries!: SecondaryZones;
  private readonly owners: CatalogOwners;
  private readonly log: Logger;
  /** The members this catalog serves now. */
  readonly members = new Map<string, CatalogMember>();
  /** The members the latest version lists (owned here or not): read by other catalogs for `coo`. */
  listed = new Map<string, CatalogMember>();
  private chain: Promise<void> = Promise.resolve();

  constructor(spec: SecondarySpec, owners: CatalogOwners, log: Logger) {
    this.origin = spec.origin;
    this.spec = spec;
    this.owners = owners;
    this.log = log;
  }

  /** The secondary source serving the catalog and its members (made with the catalog's spec). */
  attach(secondaries: SecondaryZones): void {
    this.secondaries = secondaries;
  }

  /** The catalog as a secondary zone of its primaries (never itself listed in our own catalog). */
  get catalogSpec(): SecondarySpec {
    return { ...this.spec, catalog: false };
  }

  /** A new version of the catalog is served: apply it (one version at a time, in order). */
  served(zone: LoadedZone): Promise<void> {
    this.chain = this.chain.then(() => this.apply(zone)).catch((err: unknown) => {
      this.log.error({ event: 'catalog_error', zone: this.origin, code: 'PGN_ERR_CATALOG', stack: (err as Error).stack }, `catalog ${this.origin}: ${(err as Error).message}`);
    });
    return this.chain;
  }

  /** Wait for the versions received so far to be applied. */
  settled(): Promise<void> {
    return this.chain;
  }

  private async apply(zone: LoadedZone): Promise<void> {
    const read = readCatalog(this.origin, new TransferForm(zone.transfer!).records());
    if (!read.ok) {
      this.log.error({ event: 'catalog_invalid', zone: this.origin, serial: zone.serial, code: 'PGN_ERR_CATALOG' }, `catalog ${this.origin} serial ${zone.serial} not used: ${read.error}`);
      return;
    }
    this.listed = read.members;
    const added: string[] = [];
    const removed: string[] = [];
    const reset: string[] = [];
    for (const [name, had] of [...this.members]) {
      const now = read.members.get(name);
      if (now === undefined) {
        this.members.delete(name);
        if (this.owners.owner.get(name) === this) this.owners.owner.delete(name);
        await this.secondaries.removeZone(name);
        removed.push(name);
      } else if (now.label !== had.label) {
        // §5.6: a new label is a new zone of the same name: what we had of it goes.
        this.members.set(name, now);
        await this.secondaries.removeZone(name);
        await this.secondaries.addZone(this.memberSpec(name));
        reset.push(name);
      } else {
        this.members.set(name, now);
      }
    }
    for (const [name, m] of read.members) {
      if (this.members.has(name)) continue;
      const other = this.owners.owner.get(name);
      if (other !== undefined && other !== this) {
        const theirs = other.listed.get(name);
        if (theirs?.coo !== this.origin) {
          this.log.warn({ event: 'catalog_member_clash', zone: this.origin, member: name, owner: other.origin, code: 'PGN_WARN_CATALOG_CLASH' }, `catalog ${this.origin}: ${name} belongs to catalog ${other.origin} (no coo to us): ignored`);
          continue;
        }
        // §5.5: moved to us by its old owner.
        other.members.delete(name);
        // Kept as it is only when nothing changes for it: same label, same primaries and key.
        const keep = theirs.label === m.label && samePrimaries(other.spec, this.spec);
        if (!keep) await this.secondaries.removeZone(name);
        this.log.info({ event: 'catalog_member_moved', zone: this.origin, member: name, from: other.origin, reset: !keep }, `${name} moves from catalog ${other.origin} to ${this.origin}`);
      } else if (other === undefined && this.secondaries.has(name)) {
        // Configured by hand (--secondary): the operator's word wins.
        this.log.warn({ event: 'catalog_member_clash', zone: this.origin, member: name, code: 'PGN_WARN_CATALOG_CLASH' }, `catalog ${this.origin}: ${name} is already a configured secondary zone: ignored`);
        continue;
      }
      this.owners.owner.set(name, this);
      this.members.set(name, m);
      await this.secondaries.addZone(this.memberSpec(name));
      added.push(name);
    }
    {
      this.log.info(
        { event: 'catalog_applied', zone: this.origin, serial: zone.serial, members: this.members.size, added, removed, reset, groups: [...new Set([...this.members.values()].map((m) => m.group).filter((g) => g !== null))] },
        `catalog ${this.origin} serial ${zone.serial}: ${this.members.size} member(s)${added.length > 0 ? `, added ${added.join(' ')}` : ''}${removed.length > 0 ? `, removed ${removed.join(' ')}` : ''}${reset.length > 0 ? `, reset ${reset.join(' ')}` : ''}`,
      );
    }
  }

  private memberSpec(name: string): SecondarySpec {
    return { origin: name, primaries: this.spec.primaries, key: this.spec.key };
  }
}

function samePrimaries(a: SecondarySpec, b: SecondarySpec): boolean {
  const list = (s: SecondarySpec) => s.primaries.map((p) => `${p.host} ${p.port}`).join(',');
  return a.key === b.key && list(a) === list(b);
}
