import { randomBytes } from 'node:crypto';
import { blobResponse } from './blob-response.js';
import type { ContentStore } from './content-store.js';
import type { FakeResponse } from './fake-response.js';
import type { FakeHandler } from './http-listener.js';

/**
 * Signed-URL bookkeeping: the registry's 307 hands out `?verify=<random>` for one digest; the
 * cdn only honours verify values it issued for that digest, so a client that builds cdn URLs
 * itself (instead of following Location) is caught.
 */
export class CdnUrls {
  #issued = new Map<string, string>(); // verify → digest
  #origin: () => string;

  constructor(origin: () => string) {
    this.#origin = origin;
  }

  issue(digest: string): string {
    const verify = `${Math.floor(Date.now() / 1000)}-${randomBytes(12).toString('hex')}`;
    this.#issued.set(verify, digest);
    return `${this.#origin()}/blobs/${digest}?verify=${verify}`;
  }

  isValid(verify: string | null, digest: string): boolean {
    return verify !== null && this.#issued.get(verify) === digest;
  }
}

/**
 * Blob bytes at `/blobs/<digest>?verify=…`, like Hub's Cloudflare/R2 storage (PROTOCOL.md §4.3):
 * single Range → 206, HEAD, Content-Length always, and any `Authorization` header → 400 as
 * S3/R2 do when a client forwards registry credentials across the redirect.
 */
export function createCdnHandler(content: ContentStore, urls: CdnUrls): FakeHandler {
  return (request) => {
    if (request.headers.authorization !== undefined) {
      return s3Error(
        400,
        'InvalidArgument',
        'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified',
      );
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return s3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
    const match = /^\/blobs\/([^/]+)$/.exec(request.path);
    const digest = match === null ? undefined : decodeURIComponent(match[1] ?? '');
    if (digest === undefined) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    if (!urls.isValid(request.query.get('verify'), digest)) {
      return s3Error(403, 'AccessDenied', 'Request signature does not match (unknown verify parameter).');
    }
    const bytes = content.findBlob(digest);
    if (bytes === undefined) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    // S3-style ETag: an opaque quoted hex string, not the digest.
    const etag = `"${digest.slice(digest.indexOf(':') + 1).slice(0, 32)}"`;
    return blobResponse(bytes, rangeHeader(request.headers.range), { etag });
  };
}

function rangeHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}

function s3Error(status: number, code: string, message: string): FakeResponse {
  const xml = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  return { status, headers: { 'content-type': 'application/xml' }, body: Buffer.from(xml) };
}
