// What a fake listener's handler returns; http-listener.ts writes it (applying faults).

export interface FakeResponse {
  status: number;
  headers: Record<string, string>;
  /** Written for GET; for HEAD only its length is announced. */
  body?: Uint8Array;
  /** Overrides the announced length (default: body length). */
  contentLength?: number;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): FakeResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: Buffer.from(JSON.stringify(value)),
  };
}

/** OCI distribution-spec error body (PROTOCOL.md §5.2), as Hub/distribution write it (`detail` always present). */
export function ociErrorResponse(
  status: number,
  code: string,
  message: string,
  options: { detail?: unknown; headers?: Record<string, string> } = {},
): FakeResponse {
  return jsonResponse(status, { errors: [{ code, message, detail: options.detail ?? null }] }, options.headers);
}

/** Code a registry would use for a bare status (distribution's `makeError` mapping, PROTOCOL.md §1.5). */
export function errorCodeForStatus(status: number): string {
  switch (status) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NOT_FOUND';
    case 405:
      return 'UNSUPPORTED';
    case 429:
      return 'TOOMANYREQUESTS';
    case 503:
      return 'UNAVAILABLE';
    default:
      return 'UNKNOWN';
  }
}
