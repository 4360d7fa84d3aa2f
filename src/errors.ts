// Typed errors with stable codes, in one place. Operators grep logs for the code.

export interface ErrorContext {
  file?: string;
  line?: number;
  zone?: string;
  peer?: string;
}

export class PeregrineError extends Error {
  readonly code: string;
  readonly context: ErrorContext;
  constructor(code: string, message: string, context: ErrorContext = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.context = context;
  }
}

/** Zone data that cannot be served as written; printed as `FILE:LINE: message`. */
export class ZoneDataError extends PeregrineError {
  constructor(message: string, file: string, line: number, code = 'PGN_ERR_ZONE_DATA') {
    super(code, message, { file, line });
  }
  get location(): string {
    return `${this.context.file}:${this.context.line}`;
  }
  override toString(): string {
    return `${this.location}: ${this.message}`;
  }
}

/** Command-line or configuration problems. */
export class ConfigError extends PeregrineError {
  constructor(message: string, context: ErrorContext = {}) {
    super('PGN_ERR_CONFIG', message, context);
  }
}

/** A config file with problems: each one a ConfigError with the file and line it is on. */
export class ConfigFileError extends ConfigError {
  readonly problems: ConfigError[];
  constructor(file: string, problems: ConfigError[]) {
    super(`${file}: ${problems.length} problem(s)`, { file });
    this.problems = problems;
  }
  /** One `FILE:LINE: message` line per problem (`FILE: message` for the file as a whole). */
  lines(): string[] {
    return this.problems.map((p) => `${p.context.file}${p.context.line ? `:${p.context.line}` : ''}: ${p.message}`);
  }
}

/** A compiled image that does not fit the image format (too large for its offsets). */
export class ImageLimitError extends PeregrineError {
  constructor(message: string, zone: string) {
    super('PGN_ERR_IMAGE_LIMIT', message, { zone });
  }
}

/** Stable codes of conditions that are logged as warnings, not thrown. */
/** A zone loaded with RRSIGs already past their expiration: validating resolvers reject its answers. */
export const WARN_SIGNATURES_EXPIRED = 'PGN_WARN_SIGNATURES_EXPIRED';
/** A zone loaded with RRSIGs that expire within the warning window (default 7 days). */
export const WARN_SIGNATURES_EXPIRING = 'PGN_WARN_SIGNATURES_EXPIRING';
/** A zone file given with --zone is gone: the version loaded before keeps serving. */
export const WARN_ZONE_FILE_MISSING = 'PGN_WARN_ZONE_FILE_MISSING';
/** A zone file left a --zone-dir directory: its zone is no longer served. */
export const WARN_ZONE_REMOVED = 'PGN_WARN_ZONE_REMOVED';
/** A directory holding zone files cannot be watched: edits there need SIGHUP. */
export const WARN_WATCH = 'PGN_WARN_WATCH';
/**
 * Zone data that knotd and NSD both load, but that is probably a mistake (missing glue, an NS/MX/SRV
 * target that is a CNAME or has no address, a TTL mismatch in an RRset, a duplicate record): the
 * zone serves; logged with FILE:LINE, counted in peregrine_zone_warnings, listed by `check`.
 */
export const WARN_ZONE_DATA = 'PGN_WARN_ZONE_DATA';
/** A zone's content changed but its SOA serial did not (--serial-policy decides what happens). */
export const WARN_SERIAL_UNCHANGED = 'PGN_WARN_SERIAL_UNCHANGED';
/** With --serial-policy refuse: a changed zone with an unchanged serial is not served. */
export const ERR_SERIAL_UNCHANGED = 'PGN_ERR_SERIAL_UNCHANGED';
