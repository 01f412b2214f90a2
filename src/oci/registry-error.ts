import { ERROR_CODES, type ErrorCode } from './error-codes.js';

/**
 * An error a client can be told about: an OCI code, a message for humans, optional detail, and
 * the HTTP status (the code's default unless given). Thrown by any layer; only
 * http/error-response.ts turns it into a response.
 */
export class RegistryError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: unknown;
  /** Extra response headers, e.g. Retry-After for TOOMANYREQUESTS. */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    options: { status?: number; detail?: unknown; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RegistryError';
    this.code = code;
    this.status = options.status ?? ERROR_CODES[code].status;
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }
}
