// The registry source (`--registry FILE`): a JSON file rewritten by another system (a cluster's
// control plane) is served as a zone of names and addresses, plus optional reverse zones, with
// no health checks. The file is watched (atomic renames included); a version that does not
// validate keeps the last good one serving, logs FILE:LINE and counts a failure. Each zone is
// republished only when its content changed, with the serial one more.

import type { ZoneSource } from '../../primary/zone-source.ts';
import { isSubdomain, parseName } from '../../zone/name.ts';
import { type FileWatcher, watchFile } from '../files/watch.ts';
import { reverseName } from '../services/address.ts';
import { SourceFileError } from '../services/config.ts';
import type { PtrRecord, ZoneContent } from '../services/generated-zone.ts';
import { GeneratedZones, type GeneratedSourceOptions, type UpdateReason } from '../services/generated-zones.ts';
import { readRegistryFile, type RegistryData } from './registry-file.ts';

export type RegistrySourceOptions = GeneratedSourceOptions;

export class RegistrySource implements ZoneSource {
  readonly kind = 'registry';
  private readonly o: RegistrySourceOptions;
  private readonly zones: GeneratedZones;
  private watcher: FileWatcher | null = null;
  private origin: string | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: RegistrySourceOptions) {
    this.o = options;
    this.zones = new GeneratedZones({ ...options, kind: 'registry' });
  }

  start(): Promise<void> {
    if (this.o.watch ?? true) {
      this.watcher = watchFile(this.o.file, { debounceMs: this.o.debounceMs, log: this.o.log, onChange: () => void this.load('change') });
    }
    return this.load('start');
  }

  reloadAll(): Promise<void> {
    return this.load('sighup');
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    this.zones.close();
  }

  /** Read the file and serve what it says; loads run one after the other. */
  private load(reason: UpdateReason): Promise<void> {
    this.chain = this.chain
      .then(() => this.loadNow(reason))
      .catch((err: unknown) => {
        this.o.log.error({ event: 'reload_error', code: 'PGN_ERR_RELOAD', source: 'registry', stack: (err as Error).stack }, `registry load failed: ${(err as Error).message}`);
      });
    return this.chain;
  }

  private async loadNow(reason: UpdateReason): Promise<void> {
    if (this.closed) return;
    let data: RegistryData;
    try {
      data = readRegistryFile(this.o.file, this.o.defaultNs);
    } catch (err) {
      if (!(err instanceof SourceFileError)) throw err;
      this.zones.failed(this.origin ?? err.origin, this.o.file, err.problems, reason);
      return;
    }
    this.origin = data.apex.origin;
    await this.zones.update(registryZones(data), reason);
  }
}

/** The forward zone, and each reverse zone with a PTR per address inside it. */
export function registryZones(data: RegistryData): ZoneContent[] {
  const base = { file: data.file, baseRecords: null, baseFiles: [] };
  const forward: ZoneContent = {
    ...base,
    apex: data.apex,
    addresses: data.records.map((r) => ({ owner: r.name, ttl: r.ttl, addresses: r.addresses, line: r.line })),
    ptrs: [],
  };
  const reverse = data.reverse.map((origin) => ({ origin, wire: parseName(origin, null), ptrs: [] as PtrRecord[] }));
  for (const r of data.records) {
    for (const a of r.addresses) {
      const owner = reverseName(a);
      const wire = parseName(owner, null);
      // The most specific reverse zone holds it.
      let best: (typeof reverse)[number] | null = null;
      for (const z of reverse) if (isSubdomain(wire, z.wire) && (best === null || z.wire.length > best.wire.length)) best = z;
      // The zone's TTL: names sharing an address may have different TTLs, a PTR RRset has one.
      best?.ptrs.push({ owner, ttl: data.apex.ttl, target: r.name, line: r.line });
    }
  }
  return [
    forward,
    ...reverse.map((z) => ({
      ...base,
      apex: { ...data.apex, origin: z.origin, soa: { ...data.apex.soa } },
      addresses: [],
      ptrs: z.ptrs,
    })),
  ];
}
