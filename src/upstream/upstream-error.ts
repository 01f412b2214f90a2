/**
 * Why an upstream request failed, in the terms the error mapping needs
 * (http/error-response.ts turns each kind into one status; DESIGN.md "Upstream failures").
 */
export type UpstreamFailure =
  | 'unreachable' // connect refused/reset, DNS → 502
  | 'timeout' // connect/headers/body timeout → 504
  | 'server-error' // upstream 5xx → 502
  | 'rate-limited' // upstream 429 → 429 + Retry-After
  | 'denied' // 401/403 after lading's own auth → 403 DENIED
  | 'not-found' // 404 → 404 with the upstream's code
  | 'bad-response' // digest mismatch, oversized manifest, protocol violation → 502
  | 'offline'; // breaker open / offline mode → 503

export class UpstreamError extends Error {
  readonly failure: UpstreamFailure;
  readonly upstream: string;
  /** OCI code the upstream sent (for not-found), e.g. MANIFEST_UNKNOWN. */
  readonly upstreamCode: string | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly upstreamStatus: number | undefined;

  constructor(
    failure: UpstreamFailure,
    upstream: string,
    message: string,
    options: { upstreamCode?: string; retryAfterSeconds?: number; upstreamStatus?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.failure = failure;
    this.upstream = upstream;
    this.upstreamCode = options.upstreamCode;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.upstreamStatus = options.upstreamStatus;
  }

  /** Failures where a cached copy should be served instead (stale-if-error). */
  get isOutage(): boolean {
    return this.failure !== 'not-found' && this.failure !== 'denied';
  }
}

/** Maps undici/socket errors to a failure kind. */
export function classifyTransportError(upstream: string, error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const code = (error as { code?: string }).code ?? '';
  const timeout =
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'ETIMEDOUT' ||
    (error as Error).name === 'TimeoutError';
  const message = (error as Error).message || code || 'upstream request failed';
  return new UpstreamError(
    timeout ? 'timeout' : 'unreachable',
    upstream,
    timeout ? `upstream ${upstream} timed out (${code || message})` : `upstream ${upstream} unreachable (${code || message})`,
    { cause: error },
  );
}
