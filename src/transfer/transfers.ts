// Everything zone transfers need on the primary, built once by serve: keys, the ACL, the IXFR
// journal, NOTIFY out, the service answering handed-off queries, and their metrics.

import type { Registry } from 'prom-client';
import type { NotifyTarget, ServeOptions } from '../config/serve-options.ts';
import type { Logger } from '../primary/log.ts';
import type { Publisher } from '../primary/publisher.ts';
import { ZoneProvenance } from '../primary/zone-provenance.ts';
import type { LoadedZone } from '../primary/zone-loader.ts';
import { Journal } from './journal.ts';
import { JournalStore } from './journal-store.ts';
import { createTransferMetrics, type TransferMetrics } from './metrics.ts';
import { NotifySender, type NotifyTargetKey } from './notify-out.ts';
import { TransferService } from './service.ts';
import { Keyring, makeKey } from './tsig.ts';

export interface Transfers {
  keyring: Keyring;
  journal: Journal;
  metrics: TransferMetrics;
  service: TransferService;
  notifier: NotifySender;
  /** The workers listen: NOTIFYs held since start go out (a secondary told earlier would find nobody to ask). */
  listening(): void;
  close(): void;
}

export function createTransfers(options: ServeOptions, publisher: Publisher, registry: Registry, log: Logger): Transfers {
  const keyring = new Keyring(options.tsigKeys.map((k) => makeKey(k.name, k.algorithm, k.secret)));
  const metrics = createTransferMetrics(registry);
  // With a state dir the journal survives restarts: secondaries asking IXFR after one get the difference.
  const journal = new Journal({}, options.stateDir === null ? null : new JournalStore(options.stateDir, log));
  const service = new TransferService({
    publisher,
    keyring,
    allowTransfer: options.allowTransfer,
    journal,
    metrics,
    log,
    engine: { maxUdpPayload: options.maxUdpPayload, chaos: options.chaos },
  });
  // Each zone's targets: its config entry's notify list, else --notify (keys resolved once per list).
  const provenance = new ZoneProvenance(options);
  const resolved = new Map<readonly NotifyTarget[], NotifyTargetKey[]>();
  const withKeys = (list: readonly NotifyTarget[]): NotifyTargetKey[] => {
    let r = resolved.get(list);
    if (r === undefined) resolved.set(list, (r = list.map((t) => ({ address: t.address, key: t.key === null ? null : keyring.byName(t.key)! }))));
    return r;
  };
  const notifier = new NotifySender({
    targets: withKeys(options.notify),
    targetsFor: (zone) => withKeys(provenance.notifyTargets(zone)),
    metrics,
    log,
  });
  // Only worth the diff when someone can transfer from us.
  const journaling = transfersAllowed(options);
  // Before the workers bind, a NOTIFY would send secondaries to a port nobody answers yet (knotd
  // then waits for its SOA retry, minutes): held until listening().
  let held: Array<[readonly LoadedZone[], readonly string[]]> | null = [];
  publisher.onPublished((changed, removed) => {
    if (journaling) {
      for (const origin of removed) journal.forget(origin);
      for (const zone of changed) {
        const entry = journal.record(zone.origin, zone.transfer);
        if (entry !== null) {
          log.debug({ event: 'journal', zone: zone.origin, from: entry.from, to: entry.to, deleted: entry.deleted.length, added: entry.added.length }, 'IXFR journal entry');
        }
      }
    }
    if (held !== null) held.push([changed, removed]);
    else notifier.published(changed, removed);
  });
  return {
    keyring,
    journal,
    metrics,
    service,
    notifier,
    listening() {
      const waiting = held ?? [];
      held = null;
      for (const [changed, removed] of waiting) notifier.published(changed, removed);
    },
    close() {
      notifier.close();
      service.close();
    },
  };
}

type TransferSettings = Pick<ServeOptions, 'allowTransfer' | 'tsigKeys' | 'notify' | 'notifyRules'>;

/** Whether anyone may transfer our zones: an address in --allow-transfer, or a holder of any TSIG key. */
export function transfersAllowed(o: TransferSettings): boolean {
  return o.allowTransfer.length > 0 || o.tsigKeys.length > 0;
}

/** Whether zones need their transfer form: someone may transfer them, or is sent NOTIFY (it carries the SOA). */
export function needsTransferForm(o: TransferSettings): boolean {
  return transfersAllowed(o) || ZoneProvenance.anyTargets(o);
}
