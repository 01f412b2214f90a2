import { STATUS_CODES } from 'node:http';
import type { ErrorCode } from '../oci/error-codes.js';

/**
 * A whole HTTP/1.1 error response with an OCI body, for the places that answer on the socket
 * before (or instead of) hono: a connection past the limit, a request Node could not parse.
 * Always `Connection: close`: the socket is ended right after.
 */
export function rawErrorResponse(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}): string {
  const body = JSON.stringify({ errors: [{ code, message, detail: null }] });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    'Docker-Distribution-API-Version: registry/2.0',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}
