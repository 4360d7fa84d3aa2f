// Durations as operators write them (`604800`, `14d`, `12h`, `1d12h`, `2w`) and as we print them (`3d 4h`).

import { ConfigError } from '../errors.ts';

const UNIT_SECONDS: Record<string, number> = { w: 604800, d: 86400, h: 3600, m: 60, s: 1 };
const DURATION = /^(?:[0-9]+[wdhms])+$/i;
const PART = /([0-9]+)([wdhms])/gi;

/** Longest duration accepted: ten years (signature times only make sense within ±68 years). */
export const MAX_DURATION_SECONDS = 3650 * 86400;

/** Whole seconds, or one or more NUMBER+UNIT parts with units w, d, h, m, s; throws ConfigError. */
export function parseDuration(text: string, what: string): number {
  let seconds: number;
  if (/^[0-9]+$/.test(text)) {
    seconds = Number(text);
  } else if (DURATION.test(text)) {
    seconds = 0;
    for (const [, n, unit] of text.matchAll(PART)) seconds += Number(n) * UNIT_SECONDS[unit.toLowerCase()];
  } else {
    throw new ConfigError(`${what}: '${text}' is not a duration (seconds, or e.g. 14d, 12h, 1d12h)`);
  }
  if (seconds > MAX_DURATION_SECONDS) throw new ConfigError(`${what}: '${text}' is more than 3650 days`);
  return seconds;
}

/** The two largest non-zero units, rounded down: `3d 4h`, `5h 12m`, `12m 30s`, `45s`, `0s`. */
export function formatDuration(seconds: number): string {
  let rest = Math.max(0, Math.floor(seconds));
  const parts: string[] = [];
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_SECONDS[unit];
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0 || parts.length > 0) parts.push(`${n}${unit}`);
    if (parts.length === 2) break;
  }
  const shown = parts.filter((p) => !p.startsWith('0'));
  return shown.length === 0 ? '0s' : shown.join(' ');
}
