/** A failure of the local store (disk full, unwritable, corrupt layout). Maps to 500/503. */
export class StoreError extends Error {
  readonly code: 'ENOSPC' | 'EACCES' | 'LOCKED' | 'FORMAT' | 'IO';
  constructor(code: StoreError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** Bytes written did not hash to the digest they were fetched for. */
export class DigestMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`content digest ${actual} does not match the requested ${expected}`);
    this.name = 'DigestMismatchError';
  }
}
