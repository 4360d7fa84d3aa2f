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
}
