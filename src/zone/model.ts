// The zone model: what every zone source (zone files, tinydns data, transfers, API) produces
// and what the compiler consumes. Names and RDATA are already in uncompressed wire form, so the
// compiler never re-parses presentation text.

/** A domain name in uncompressed wire form: length-prefixed labels ending with the 0 label. */
export type WireName = Uint8Array;

/** Where a record came from, for FILE:LINE messages. */
export interface SourcePosition {
  file: string;
  line: number;
}

export interface ResourceRecord {
  /** Absolute owner name, case as written in the source. */
  owner: WireName;
  type: number;
  /** 1 = IN, 3 = CH. */
  class: number;
  ttl: number;
  /** Uncompressed wire RDATA; embedded names are absolute and uncompressed. */
  rdata: Uint8Array;
  source: SourcePosition;
}

export interface Zone {
  /** The apex, lowercased. */
  origin: WireName;
  records: ResourceRecord[];
  /** Files read to build this zone (the zone file and its $INCLUDEs), for watching. */
  files: string[];
  /**
   * How answers are shaped: as Knot answers (the default) or as tinydns answers (NS and glue
   * with positive answers, its wildcard rules, no CNAME chasing; src/compile/tinydns-plan.ts).
   */
  style?: 'knot' | 'tinydns';
  /** tinydns: A records of names outside the zone that its NS and MX records name (tinydns adds them as additional data). */
  outsideAddresses?: ResourceRecord[];
  /** tinydns split horizon: the clients this version answers ('' or absent: every client of no other version). */
  location?: string;
  /** tinydns `%` lines (client address prefix → location), for the version that answers every other client. */
  locationPrefixes?: LocationPrefixEntry[];
}

/** Clients whose IPv4 address starts with `prefix` (0 to 4 bytes) are in `location`. */
export interface LocationPrefixEntry {
  prefix: Uint8Array;
  location: string;
}
