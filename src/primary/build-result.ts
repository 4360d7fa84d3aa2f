// What a build thread sends back to the primary: a LoadResult in structured-clone-safe form.
// The image stays a SharedArrayBuffer (shared, not copied); errors travel as plain objects and are
// rebuilt as the same classes (FILE:LINE logs, codes and /zones need ZoneDataError & co.); Dates
// travel as epoch milliseconds.

import { ImageLimitError, PeregrineError, ZoneDataError, type ErrorContext } from '../errors.ts';
import type { LoadedZone, LoadResult, SignatureSummary } from './zone-loader.ts';

export interface WireError {
  kind: 'ZoneDataError' | 'ImageLimitError' | 'PeregrineError';
  code: string;
  message: string;
  context: ErrorContext;
  stack?: string;
}

export interface WireZone extends Omit<LoadedZone, 'loadedAt' | 'signatures'> {
  loadedAt: number;
  signatures: Omit<SignatureSummary, 'earliestExpiration'> & { earliestExpiration: number | null };
}

export type WireResult = { ok: true; zone: WireZone } | { ok: false; errors: WireError[]; origin: string };

export function encodeError(err: PeregrineError): WireError {
  const kind = err instanceof ZoneDataError ? 'ZoneDataError' : err instanceof ImageLimitError ? 'ImageLimitError' : 'PeregrineError';
  return { kind, code: err.code, message: err.message, context: { ...err.context }, stack: err.stack };
}

export function decodeError(w: WireError): PeregrineError {
  let err: PeregrineError;
  switch (w.kind) {
    case 'ZoneDataError':
      err = new ZoneDataError(w.message, w.context.file ?? '', w.context.line ?? 0, w.code);
      break;
    case 'ImageLimitError':
      err = new ImageLimitError(w.message, w.context.zone ?? '');
      break;
    default:
      err = new PeregrineError(w.code, w.message, w.context);
  }
  // The same context as thrown (ImageLimitError & co. may carry more than their constructor takes).
  Object.assign(err.context, w.context);
  if (w.stack !== undefined) err.stack = w.stack;
  return err;
}

export function encodeResult(r: LoadResult): WireResult {
  if (!r.ok) return { ok: false, errors: r.errors.map(encodeError), origin: r.origin };
  const z = r.zone;
  return {
    ok: true,
    zone: {
      ...z,
      files: [...z.files],
      variants: z.variants === undefined ? undefined : [...z.variants],
      loadedAt: z.loadedAt.getTime(),
      signatures: { ...z.signatures, earliestExpiration: z.signatures.earliestExpiration?.getTime() ?? null },
    },
  };
}

export function decodeResult(w: WireResult): LoadResult {
  if (!w.ok) return { ok: false, errors: w.errors.map(decodeError), origin: w.origin };
  const z = w.zone;
  const exp = z.signatures.earliestExpiration;
  return {
    ok: true,
    zone: {
      ...z,
      loadedAt: new Date(z.loadedAt),
      signatures: { ...z.signatures, earliestExpiration: exp === null ? null : new Date(exp) },
    },
  };
}
