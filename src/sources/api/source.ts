// The control API as serve runs it: the API zone source, its HTTP routes and its token.

import type { SourceContext, ZoneSource } from '../../primary/zone-source.ts';
import { ApiZones } from './api-zones.ts';
import { BearerAuth, readApiToken } from './auth.ts';
import { apiRoutes } from './http-api.ts';
import { consoleReads, consoleStatic } from '../../console/routes.ts';
import { ZoneView } from '../../console/zone-view.ts';
import { ServicesSource } from '../services/services-source.ts';

/** The API's zone source; adds its routes to `c.httpRoutes`. `all`: every source (for reloads of theirs). */
export function apiSource(c: SourceContext, all: () => readonly ZoneSource[]): ZoneSource {
  const auth = new BearerAuth(c.options.apiTokenFile === null ? null : readApiToken(c.options.apiTokenFile));
  const zones: ApiZones = new ApiZones({
    stateDir: c.options.stateDir,
    publisher: c.publisher,
    registry: c.registry,
    log: c.log,
    expiryWarningSeconds: c.options.expiryWarningSeconds,
    onPublished: c.onPublished,
    otherSources: (): ZoneSource[] => all().filter((s) => s !== zones),
  });
  // The web console: its page, and its reads behind the same token and browser checks as the API.
  const view = new ZoneView({ maxUdpPayload: c.options.maxUdpPayload, chaos: c.options.chaos }, () => c.publisher.current());
  const more = consoleReads({
    view,
    tokenRequired: auth.required,
    editable: (origin) => zones.manages(origin),
    services: () => all().flatMap((s) => (s instanceof ServicesSource ? [s.status()].filter((x) => x !== null) : [])),
  });
  c.httpRoutes.push(...apiRoutes({ zones, auth, registry: c.metrics.registry, log: c.log, listen: c.options.http, more }), ...consoleStatic());
  if (!auth.required) {
    c.log.info({ event: 'api_open', http: `${c.options.http.host}:${c.options.http.port}` }, 'control API without a token: open to local users (--http is a loopback address)');
  }
  return zones;
}
