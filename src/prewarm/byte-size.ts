const UNITS = ['B', 'kB', 'MB', 'GB', 'TB'] as const;

/** Decimal sizes as docker prints them: `0 B`, `999 B`, `3.4 MB`. */
export function formatBytes(sizeBytes: number): string {
  if (sizeBytes < 1000) return `${sizeBytes} B`;
  let value = sizeBytes;
  let unit = 0;
  // 999_960 B is "1.0 MB", not "1000.0 kB": compare against what toFixed(1) would print.
  while (value >= 999.95 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
