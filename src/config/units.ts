// Sizes ("50GiB", "1.5GB") and durations ("5m", "1h30m") as config files write them.
// Parsing is exact (decimal fractions are computed with BigInt, never floats) so that
// formatBytes/formatDuration output parses back to the same number; --print-config relies on it.

import { describeValue } from './config-error.js';

const SIZE_UNITS: ReadonlyMap<string, bigint> = new Map([
  ['', 1n],
  ['b', 1n],
  ['kib', 1024n],
  ['mib', 1024n ** 2n],
  ['gib', 1024n ** 3n],
  ['tib', 1024n ** 4n],
  ['kb', 1000n],
  ['mb', 1000n ** 2n],
  ['gb', 1000n ** 3n],
  ['tb', 1000n ** 4n],
]);

// Largest first: formatBytes picks the largest unit that divides exactly.
const SIZE_DISPLAY_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['TiB', 1024 ** 4],
  ['TB', 1000 ** 4],
  ['GiB', 1024 ** 3],
  ['GB', 1000 ** 3],
  ['MiB', 1024 ** 2],
  ['MB', 1000 ** 2],
  ['KiB', 1024],
  ['KB', 1000],
];

// Largest first; a compound duration must use them in this order, each at most once.
const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1_000],
  ['ms', 1],
];

const SIZE_EXPECTED = 'expected a size like "50GiB", "512MiB", "1.5GB" or a whole number of bytes';
const DURATION_EXPECTED = 'expected a duration like "5m"';
const MAX_TEXT_LENGTH = 64;

/** Parses a byte size: binary (KiB…TiB) or decimal (KB…TB) units, case-insensitive, or plain bytes. */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') {
    if (Number.isSafeInteger(text) && text >= 0) return text;
    throw new Error(`${SIZE_EXPECTED}, got ${describeValue(text)}`);
  }
  if (typeof text !== 'string') throw new Error(`${SIZE_EXPECTED}, got ${describeValue(text)}`);
  const match = /^(\d+)(?:\.(\d+))?([a-zA-Z]*)$/.exec(text);
  if (match === null || text.length > MAX_TEXT_LENGTH) {
    throw new Error(`${SIZE_EXPECTED}, got ${describeValue(text)}`);
  }
  const [, whole = '', fraction = '', unitText = ''] = match;
  const unit = unitText.toLowerCase();
  const multiplier = SIZE_UNITS.get(unit);
  if (multiplier === undefined) {
    if (['k', 'm', 'g', 't'].includes(unit)) {
      const amount = text.slice(0, text.length - unitText.length);
      const prefix = unitText.toUpperCase();
      throw new Error(
        `"${text}" is ambiguous: write "${amount}${prefix}iB" (binary, 1024-based) ` +
          `or "${amount}${prefix}B" (decimal, 1000-based)`,
      );
    }
    throw new Error(`${SIZE_EXPECTED}, got ${describeValue(text)} (units: B, KiB, MiB, GiB, TiB, KB, MB, GB, TB)`);
  }
  const bytes = exactProduct(whole, fraction, multiplier);
  if (bytes === undefined) throw new Error(`"${text}" is not a whole number of bytes`);
  return toSafeNumber(bytes, text, 'bytes');
}

/** Parses a duration to milliseconds: "500ms", "30s", "5m", "1h", "1d", "1h30m". Plain numbers are rejected. */
export function parseDuration(text: string | number): number {
  if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT_LENGTH) {
    throw new Error(`${DURATION_EXPECTED}, got ${describeValue(text)}`);
  }
  const part = /(\d+)(?:\.(\d+))?(ms|d|h|m|s)/y;
  let totalMs = 0n;
  let nextUnitIndex = 0;
  let position = 0;
  while (position < text.length) {
    part.lastIndex = position;
    const match = part.exec(text);
    if (match === null) throw new Error(`${DURATION_EXPECTED}, got ${describeValue(text)} (units: d, h, m, s, ms)`);
    const [, whole = '', fraction = '', unit = ''] = match;
    const unitIndex = DURATION_UNITS.findIndex(([name]) => name === unit);
    if (unitIndex < nextUnitIndex) {
      throw new Error(`${DURATION_EXPECTED}, got ${describeValue(text)} (use each unit once, largest first: "1h30m")`);
    }
    const ms = exactProduct(whole, fraction, BigInt(DURATION_UNITS[unitIndex]?.[1] ?? 0));
    if (ms === undefined) throw new Error(`"${text}" is not a whole number of milliseconds`);
    totalMs += ms;
    nextUnitIndex = unitIndex + 1;
    position = part.lastIndex;
  }
  return toSafeNumber(totalMs, text, 'milliseconds');
}

/** 53687091200 → "50GiB"; exact (parseSize reads it back unchanged), so odd sizes stay long ("1500MB"). */
export function formatBytes(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`expected a whole number of bytes, got ${n}`);
  if (n === 0) return '0';
  for (const [unit, size] of SIZE_DISPLAY_UNITS) {
    if (n % size === 0) return `${n / size}${unit}`;
  }
  return `${n}B`;
}

/** 300000 → "5m", 5400000 → "1h30m", 0 → "0s"; exact (parseDuration reads it back unchanged). */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new Error(`expected a whole number of milliseconds, got ${ms}`);
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const [unit, size] of DURATION_UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}

/** `whole.fraction × multiplier`, or undefined when the result is not an integer. */
function exactProduct(whole: string, fraction: string, multiplier: bigint): bigint | undefined {
  const scale = 10n ** BigInt(fraction.length);
  const scaled = (BigInt(whole) * scale + BigInt(fraction === '' ? '0' : fraction)) * multiplier;
  return scaled % scale === 0n ? scaled / scale : undefined;
}

function toSafeNumber(value: bigint, text: string, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new Error(`"${text}" is too large (at most ${Number.MAX_SAFE_INTEGER} ${what})`);
  }
  return Number(value);
}
