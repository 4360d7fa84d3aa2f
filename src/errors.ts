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
