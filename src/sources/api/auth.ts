// The control API's bearer token: read from a file at start, compared in constant time.
// Both sides are hashed first (SHA-256), so timingSafeEqual always compares 32 bytes and the
// time taken tells nothing about the token's length or content.

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from '../../errors.ts';

/** The token in `file`: its content without surrounding white space; an empty file is an error. */
export function readApiToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`--api-token-file: cannot read ${file}: ${(err as Error).message}`);
  }
  const token = text.trim();
  if (token === '') throw new ConfigError(`--api-token-file: ${file} is empty`);
  if (/\s/.test(token)) throw new ConfigError(`--api-token-file: ${file} must hold one token (no white space inside)`);
  return token;
}

export type AuthResult = 'ok' | 'missing' | 'invalid';

export class BearerAuth {
  private readonly digest: Buffer | null;

  /** `token` null: no token configured, every request is allowed (loopback only; see ServeOptions). */
  constructor(token: string | null) {
    this.digest = token === null ? null : sha256(token);
  }

  get required(): boolean {
    return this.digest !== null;
  }

  /** Judge an `Authorization` header. */
  check(header: string | undefined): AuthResult {
    if (this.digest === null) return 'ok';
    const m = header === undefined ? null : /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (m === null) return 'missing';
    return timingSafeEqual(sha256(m[1]), this.digest) ? 'ok' : 'invalid';
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
