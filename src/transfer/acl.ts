// --allow-transfer: which client addresses may transfer zones (CIDR prefixes, IPv4 and IPv6;
// parsed by src/config/cidr.ts like every prefix list).

import { ClientAddress } from '../answer/client-address.ts';
import { cidrContains, type Cidr } from '../config/cidr.ts';

const scratch = new ClientAddress();

/** Whether `client` (an IP literal as Node reports it) lies in one of the prefixes. */
export function allowed(acl: readonly Cidr[], client: string): boolean {
  if (acl.length === 0 || !scratch.setText(client)) return false;
  for (const c of acl) if (cidrContains(c, scratch)) return true;
  return false;
}
