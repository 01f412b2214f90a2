import { ERROR_CODES, type ErrorCode } from '../oci/error-codes.js';
import { RegistryError } from '../oci/registry-error.js';
import { StoreError } from '../store/store-error.js';
import { UpstreamError } from '../upstream/upstream-error.js';

export interface ErrorAnswer {
  status: number;
  headers: Record<string, string>;
  body: { errors: { code: string; message: string; detail: unknown }[] };
  /** True when the fault is lading's own (logged at error level with the stack). */
  internal: boolean;
}

/** The one place where an error becomes an HTTP status and an OCI error body (STYLE.md habit 4). */
export function errorAnswerFor(error: unknown): ErrorAnswer {
  if (error instanceof RegistryError) return answer(error.status, error.code, error.message, error.detail, error.headers);
  if (error instanceof UpstreamError) return upstreamAnswer(error);
  if (error instanceof StoreError) {
    const status = error.code === 'ENOSPC' || error.code === 'EACCES' ? 503 : 500;
    return { ...answer(status, 'UNAVAILABLE', `local cache unavailable: ${error.message}`), internal: status === 500 };
  }
  return { ...answer(500, 'UNKNOWN', 'internal error; see the lading log'), internal: true };
}

function upstreamAnswer(error: UpstreamError): ErrorAnswer {
  switch (error.failure) {
    case 'not-found': {
      const code = isKnownCode(error.upstreamCode) ? error.upstreamCode : 'MANIFEST_UNKNOWN';
      return answer(404, code, error.message, { upstream: error.upstream });
    }
    case 'rate-limited':
      return answer(429, 'TOOMANYREQUESTS', error.message, { upstream: error.upstream }, retryAfter(error));
    case 'denied':
      return answer(403, 'DENIED', error.message, { upstream: error.upstream });
    case 'timeout':
      return answer(504, 'UNAVAILABLE', error.message, { upstream: error.upstream });
    case 'offline':
      return answer(503, 'UNAVAILABLE', error.message, { upstream: error.upstream }, retryAfter(error));
    default:
      return answer(502, 'UNAVAILABLE', error.message, { upstream: error.upstream });
  }
}

function retryAfter(error: UpstreamError): Record<string, string> {
  return error.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(error.retryAfterSeconds) };
}

function answer(status: number, code: string, message: string, detail: unknown = null, headers: Record<string, string> = {}): ErrorAnswer {
  return { status, headers, body: { errors: [{ code, message, detail: detail ?? null }] }, internal: false };
}

function isKnownCode(code: string | undefined): code is ErrorCode {
  return code !== undefined && code in ERROR_CODES;
}
