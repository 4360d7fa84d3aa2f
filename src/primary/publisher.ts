// The current generation of served zones, and its publication to every worker (post, then await acks).

import type { ToWorker, ZoneSet } from '../worker/protocol.ts';
import type { LoadedZone } from './zone-loader.ts';

/** What the publisher needs from the workers; the WorkerPool in production, a fake in tests. */
export interface PublishTarget {
  broadcast(message: ToWorker): void;
  allAcked(generation: number): Promise<void>;
}

/** Told after every publication that workers serve: the zones replaced or added, and the origins removed. */
export type PublishListener = (changed: readonly LoadedZone[], removed: readonly string[]) => void;

/** Adds to a zone what depends on more than its source (geo views); runs on every publication of it. */
export type ZoneDecorator = (zone: LoadedZone) => LoadedZone;

export class Publisher {
  private target: PublishTarget | null = null;
  private readonly listeners: PublishListener[] = [];
  private readonly decorators: ZoneDecorator[] = [];
  private readonly stampers: PublishListener[] = [];
  private generation = 0;
  /** Keyed by origin (presentation form, lowercase): one image per zone. */
  private zones = new Map<string, LoadedZone>();
  private images: SharedArrayBuffer[] = [];

  /** Workers created from now on start from current(); later generations are posted to them. */
  attach(target: PublishTarget): void {
    this.target = target;
  }

  /** Call `listener` after each publication once every worker serves it (NOTIFY, journals, …). */
  onPublished(listener: PublishListener): void {
    this.listeners.push(listener);
  }

  /** Pass every zone published from now on through `decorator` first. */
  decorate(decorator: ZoneDecorator): void {
    this.decorators.push(decorator);
  }

  /** Call `stamper` at each publication before any worker sees it (it may write the new images' headers). */
  beforePublish(stamper: PublishListener): void {
    this.stampers.push(stamper);
  }

  /** The version of `origin` served now. */
  get(origin: string): LoadedZone | undefined {
    return this.zones.get(origin);
  }

  current(): ZoneSet {
    return { generation: this.generation, images: this.images };
  }

  get zoneCount(): number {
    return this.zones.size;
  }

  loaded(): LoadedZone[] {
    return [...this.zones.values()];
  }

  /**
   * Replace or add these zones (by origin) in one new generation. Resolves when every worker
   * serves it; from then on no worker holds a reference to images this generation dropped.
   */
  publish(changed: LoadedZone[], removed: string[] = []): Promise<number> {
    for (const stamp of this.stampers) stamp(changed, removed);
    const next = new Map(this.zones);
    for (const origin of removed) next.delete(origin);
    changed = changed.map((zone) => this.decorators.reduce((z, d) => d(z), zone));
    for (const zone of changed) next.set(zone.origin, zone);
    this.zones = next;
    this.images = [...next.values()].flatMap((z) => (z.variants === undefined && z.geoViews === undefined ? [z.image] : [z.image, ...(z.variants ?? []), ...(z.geoViews ?? [])]));
    const generation = ++this.generation;
    const target = this.target;
    const told = (): number => {
      for (const listener of this.listeners) listener(changed, removed);
      return generation;
    };
    if (target === null) return Promise.resolve().then(told);
    target.broadcast({ type: 'zones', generation, images: this.images });
    return target.allAcked(generation).then(told);
  }
}
