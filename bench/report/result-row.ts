/** One line of the results table; `values` keeps the raw numbers for latest.json. */
export interface ResultRow {
  scenario: string;
  lading: string;
  peer: string;
  /** nginx for warm blobs (the ceiling), the upstream itself for cold TTFB; else "—". */
  reference: string;
  ratio: string;
  values: Record<string, number | null>;
}

export const NONE = '—';

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

export function thousands(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}

export function megabytes(bytes: number): string {
  return `${fixed(bytes / 1e6, 0)} MB`;
}

/** "×2.31" — how many times `a` is `b`. */
export function times(a: number, b: number): string {
  return b > 0 && Number.isFinite(a / b) ? `×${fixed(a / b)}` : 'n/a';
}
