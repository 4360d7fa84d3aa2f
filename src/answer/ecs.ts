// EDNS Client Subnet (RFC 7871) on the answer path, with `--ecs`: the option of a query read
// and checked as Knot checks it (FORMERR otherwise), its address used instead of the source
// address to choose a geo view, and the option written back with the scope the choice depended
// on (0 for answers that do not vary). One instance per engine, refilled per query.
//
// Option (code 8): u16 FAMILY (1 IPv4, 2 IPv6), u8 SOURCE PREFIX, u8 SCOPE PREFIX, ADDRESS
// (ceil(SOURCE/8) bytes, bits beyond SOURCE zero).

export const OPTION_ECS = 8;

export class ClientSubnet {
  present = false;
  family: 4 | 6 = 4;
  source = 0;
  /** The address, bits beyond `source` cleared (IPv4 in bytes 0..3). */
  readonly bytes = new Uint8Array(16);

  /** Read the option at `at` (its code); false if malformed. */
  parse(q: Uint8Array, at: number): boolean {
    this.present = false;
    const len = (q[at + 2] << 8) | q[at + 3];
    if (len < 4) return false;
    const p = at + 4;
    const family = (q[p] << 8) | q[p + 1];
    if (family !== 1 && family !== 2) return false;
    const max = family === 1 ? 32 : 128;
    const source = q[p + 2];
    const scope = q[p + 3];
    if (source > max || scope > max) return false;
    const n = (source + 7) >> 3;
    // As Knot reads it: too short an address is malformed; bytes past it are ignored and bits
    // beyond SOURCE PREFIX cleared (RFC 7871 §6 wants them zero; Knot does not refuse them).
    if (len - 4 < n) return false;
    this.bytes.fill(0);
    for (let i = 0; i < n; i++) this.bytes[i] = q[p + 4 + i];
    if ((source & 7) !== 0) this.bytes[n - 1] &= (0xff << (8 - (source & 7))) & 0xff;
    this.family = family === 1 ? 4 : 6;
    this.source = source;
    this.present = true;
    return true;
  }

  /** Wire length of the option as answered. */
  get length(): number {
    return 8 + ((this.source + 7) >> 3);
  }

  /** Write the option with `scope` at out[p]; returns the end. */
  write(out: Uint8Array, p: number, scope: number): number {
    const n = (this.source + 7) >> 3;
    out[p++] = 0; out[p++] = OPTION_ECS;
    out[p++] = 0; out[p++] = 4 + n;
    out[p++] = 0; out[p++] = this.family === 4 ? 1 : 2;
    out[p++] = this.source;
    out[p++] = scope;
    for (let i = 0; i < n; i++) out[p++] = this.bytes[i];
    return p;
  }
}
