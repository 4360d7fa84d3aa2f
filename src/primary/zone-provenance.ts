// Where a zone served comes from (which configured source: a zone file, a zone directory, a
// services, registry or tinydns file, a secondary, the control API), and so which NOTIFY targets
// it has: its config entry's `notify` list, else the global --notify list. Read by NOTIFY out and
// /zones; decided from the zone's origin and file alone, so sources need not report it.

import path from 'node:path';
import type { NotifyRule, NotifyTarget, ServeOptions } from '../config/serve-options.ts';

export type SourceKind = 'zone-file' | 'zone-dir' | 'tinydns' | 'services' | 'registry' | 'secondary' | 'api' | 'unknown';

export interface Provenance {
  kind: SourceKind;
  /** The configured file or directory it comes from (null: secondary, unknown). */
  path: string | null;
}

type Options = Pick<ServeOptions, 'zones' | 'zoneDirs' | 'tinydns' | 'services' | 'registries' | 'secondaries' | 'stateDir' | 'notify' | 'notifyRules'>;

const RULE_KIND: Record<NotifyRule['source'], SourceKind> = {
  zones: 'zone-file',
  'zone-dir': 'zone-dir',
  services: 'services',
  registry: 'registry',
  tinydns: 'tinydns',
};

export class ZoneProvenance {
  private readonly secondaries: Set<string>;
  private readonly apiDir: string | null;
  /** Resolved path → kind, for files (zone files, services, registry, tinydns) and zone directories. */
  private readonly files = new Map<string, SourceKind>();
  private readonly dirs = new Set<string>();
  /** `${kind} ${resolved path}` → that entry's notify targets. */
  private readonly rules = new Map<string, NotifyTarget[]>();
  private readonly defaultTargets: NotifyTarget[];

  constructor(o: Options) {
    this.secondaries = new Set(o.secondaries.map((s) => s.origin));
    this.apiDir = o.stateDir === null ? null : path.resolve(o.stateDir, 'api');
    // Zone files first: a file both given with --zone and found in a --zone-dir is the --zone one.
    for (const f of o.tinydns) this.files.set(path.resolve(f), 'tinydns');
    for (const f of o.registries) this.files.set(path.resolve(f), 'registry');
    for (const f of o.services) this.files.set(path.resolve(f), 'services');
    for (const z of o.zones) this.files.set(path.resolve(z.file), 'zone-file');
    for (const d of o.zoneDirs) this.dirs.add(path.resolve(d));
    for (const r of o.notifyRules) this.rules.set(`${RULE_KIND[r.source]} ${path.resolve(r.path)}`, r.targets);
    this.defaultTargets = o.notify;
  }

  of(zone: { origin: string; file: string }): Provenance {
    if (this.secondaries.has(zone.origin)) return { kind: 'secondary', path: null };
    const file = path.resolve(zone.file);
    if (this.apiDir !== null && path.dirname(file) === this.apiDir) return { kind: 'api', path: file };
    const kind = this.files.get(file);
    if (kind !== undefined) return { kind, path: file };
    const dir = path.dirname(file);
    if (this.dirs.has(dir)) return { kind: 'zone-dir', path: dir };
    return { kind: 'unknown', path: null };
  }

  /** Where NOTIFY for this zone goes: its entry's `notify` list if it has one, else --notify. */
  notifyTargets(zone: { origin: string; file: string }): NotifyTarget[] {
    const p = this.of(zone);
    return (p.path === null ? undefined : this.rules.get(`${p.kind} ${p.path}`)) ?? this.defaultTargets;
  }

  /** Whether any zone may be notified (then zones need their transfer form: it carries the SOA). */
  static anyTargets(o: Pick<ServeOptions, 'notify' | 'notifyRules'>): boolean {
    return o.notify.length > 0 || o.notifyRules.some((r) => r.targets.length > 0);
  }
}
