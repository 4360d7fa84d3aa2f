// The current generation of served zones, and its publication to every worker (post, then await acks).

import type { ToWorker, ZoneSet } from '../worker/protocol.ts';
import type { LoadedZone } from './zone-loader.ts';

/** What the publisher needs from the workers; the WorkerPool in production, a fake in tests. */
export interface PublishTarget {
  broadcast(message: ToWorker): void;
  allAcked(generation: number): Promise<void>;
}

export class Publisher {
  private target: PublishTarget | null = null;
  private generation = 0;
  /** Keyed by origin (presentation form, lowercase): one image per zone. */
  private zones = new Map<string, LoadedZone>();
  private images: SharedArrayBuffer[] = [];

  /** Workers created from now on start from current(); later generations are posted to them. */
  attach(target: PublishTarget): void {
    this.target = target;
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
    const next = new Map(this.zones);
    for (const origin of removed) next.delete(origin);
    for (const zone of changed) next.set(zone.origin, zone);
    this.zones = next;
    this.images = [...next.values()].map((z) => z.image);
    const generation = ++this.generation;
    const target = this.target;
    if (target === null) return Promise.resolve(generation);
    target.broadcast({ type: 'zones', generation, images: this.images });
    return target.allAcked(generation).then(() => generation);
  }
}
