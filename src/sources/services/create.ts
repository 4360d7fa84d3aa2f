// The services and registry sources of `peregrine serve`, from its options.

import type { ListenAddress } from '../../config/serve-options.ts';
import type { SourceContext } from '../../primary/zone-source.ts';
import { RegistrySource } from '../registry/registry-source.ts';
import { parseAddress, type Address } from './address.ts';
import type { NameServer } from './generated-zone.ts';
import { serviceMetrics } from './metrics.ts';
import { ServicesSource } from './services-source.ts';

/** What every generated-zone source takes from serve's context. */
function generatedOptions(c: SourceContext, file: string) {
  return {
    file,
    publisher: c.publisher,
    registry: c.registry,
    log: c.log,
    stateDir: c.options.stateDir,
    defaultNs: defaultNameServers(c.options.listen),
    onPublished: c.onPublished,
  };
}

export function servicesSource(c: SourceContext, file: string): ServicesSource {
  return new ServicesSource({ ...generatedOptions(c, file), metrics: serviceMetrics(c.metrics.registry) });
}

export function registrySource(c: SourceContext, file: string): RegistrySource {
  return new RegistrySource(generatedOptions(c, file));
}

/**
 * A generated zone with no `ns:` names this server: `ns1.<zone>` with the addresses it listens
 * on (not wildcards, which name no server); none if it listens on wildcards only.
 */
export function defaultNameServers(listen: readonly ListenAddress[]): (origin: string) => NameServer[] {
  const ips: Address[] = [];
  for (const l of listen) {
    const a = parseAddress(l.host);
    if (a === null || a.bytes.every((b) => b === 0) || ips.some((x) => x.text === a.text)) continue;
    ips.push(a);
  }
  return (origin) => (ips.length === 0 ? [] : [{ name: `ns1.${origin}`, ips }]);
}
