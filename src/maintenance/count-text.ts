// How the maintenance tools' reports write counts and byte sizes.
const UNITS = ['KiB', 'MiB', 'GiB', 'TiB'] as const;

/** 262144 → "262144 bytes (256.0 KiB)": exact for scripts reading the text, readable for people. */
export function byteCountText(bytes: number): string {
  const exact = `${bytes} ${bytes === 1 ? 'byte' : 'bytes'}`;
  if (bytes < 1024) return exact;
  let value = bytes;
  let unit: string = UNITS[0];
  for (const candidate of UNITS) {
    value /= 1024;
    unit = candidate;
    if (value < 1024) break;
  }
  return `${exact} (${value.toFixed(1)} ${unit})`;
}

/** (1, 'blob') → "1 blob", (3, 'blob') → "3 blobs". */
export function countText(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
