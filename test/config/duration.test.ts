// Durations: whole seconds or NUMBER+UNIT parts in, "3d 4h" out.

import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/config/duration.ts';
import { ConfigError } from '../../src/errors.ts';

describe('parseDuration', () => {
  it.each([
    ['0', 0],
    ['604800', 604800],
    ['45s', 45],
    ['90m', 5400],
    ['12h', 43200],
    ['14d', 1209600],
    ['2w', 1209600],
    ['1d12h', 129600],
    ['1D12H30m5s', 131405],
    ['3650d', 315360000],
  ])('%s is %i s', (text, seconds) => {
    expect(parseDuration(text, '--x')).toBe(seconds);
  });

  it.each([[''], ['d'], ['3x'], ['1.5d'], ['-1'], ['14 d'], ['d14'], ['3651d'], ['1d 2h']])('rejects %j', (text) => {
    expect(() => parseDuration(text, '--x')).toThrow(ConfigError);
    expect(() => parseDuration(text, '--x')).toThrow(/^--x: /);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [45, '45s'],
    [59.9, '59s'],
    [750, '12m 30s'],
    [3600, '1h'],
    [18720, '5h 12m'],
    [273600, '3d 4h'],
    [273600 + 59 * 60, '3d 4h'],
    [86400 + 60, '1d'],
    [40 * 86400, '40d'],
    [-5, '0s'],
  ])('%d s is %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
