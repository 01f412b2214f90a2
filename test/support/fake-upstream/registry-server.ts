import { isDigest, type Digest } from '../../../src/oci/digest.js';
import { OCI_INDEX } from '../../../src/oci/media-types.js';
import { blobResponse } from './blob-response.js';
import type { CdnUrls } from './cdn-server.js';
import type { ContentStore, StoredRepository } from './content-store.js';
import { jsonResponse, ociErrorResponse, type FakeResponse } from './fake-response.js';
import type { FakeHandler, FakeRequest } from './http-listener.js';
import { negotiateManifest, parseAccept } from './manifest-negotiation.js';
import { checkRegistryAuth, type RegistryAuthOptions } from './registry-auth.js';
import { headerValue } from './token-server.js';
import { parseV2Route } from './v2-route.js';

export interface PullRateLimit {
  limit: number;
  remaining: number;
  /** Retry-After on the 429 (default 3600). */
  retryAfterSec?: number;
}

export interface RegistryServerOptions {
  content: ContentStore;
  auth: RegistryAuthOptions;
  cdnUrls: CdnUrls;
  redirectBlobsToCdn: boolean;
  referrersApi: boolean;
  /** Read on every manifest request, so a test may change or reset it. */
  rateLimit: () => PullRateLimit | undefined;
}

const API_VERSION_HEADER = { 'docker-distribution-api-version': 'registry/2.0' };
const RATE_WINDOW = ';w=21600';
const RATE_LIMIT_MESSAGE =
  'You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit';
// distribution/reference tag grammar (PROTOCOL.md §5.5).
const TAG = /^[\w][\w.-]{0,127}$/;

/** The Hub-like registry listener: `/v2/`, manifests, blobs, tags list, referrers; pull only. */
export function createRegistryHandler(options: RegistryServerOptions): FakeHandler {
  return (request) => {
    const response = route(request, options);
    return { ...response, headers: { ...API_VERSION_HEADER, ...response.headers } };
  };
}

function route(request: FakeRequest, options: RegistryServerOptions): FakeResponse {
  const v2 = parseV2Route(request.path);
  if (v2.kind === 'not-v2') return notFoundPage();
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return ociErrorResponse(405, 'UNSUPPORTED', 'The operation is unsupported.');
  }
  const repositoryName = v2.kind === 'base' ? undefined : v2.name;
  const denied = checkRegistryAuth(request, repositoryName, options.auth);
  if (denied !== undefined) return denied;
  if (v2.kind === 'base') return jsonResponse(200, {});
  if (v2.kind === 'unknown') return notFoundPage();
  if (v2.kind === 'referrers' && !options.referrersApi) return notFoundPage(); // an old registry
  if ((v2.kind === 'blob' || v2.kind === 'referrers') && !isDigest(v2.digest)) {
    return ociErrorResponse(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content', { detail: v2.digest });
  }
  const repository = options.content.repository(v2.name);
  if (repository === undefined) {
    return ociErrorResponse(404, 'NAME_UNKNOWN', 'repository name not known to registry', { detail: { name: v2.name } });
  }
  switch (v2.kind) {
    case 'manifest':
      return manifest(request, repository, v2.reference, options);
    case 'blob':
      return blob(request, repository, v2.digest as Digest, options);
    case 'tags':
      return tagsList(request, repository);
    case 'referrers':
      return referrers(request, repository, v2.digest);
  }
}

function manifest(request: FakeRequest, repository: StoredRepository, reference: string, options: RegistryServerOptions): FakeResponse {
  const rateLimit = options.rateLimit();
  const isGet = request.method === 'GET';
  // Hub counts manifest GETs, not HEADs (PROTOCOL.md §4.2).
  if (rateLimit !== undefined && isGet && rateLimit.remaining <= 0) {
    return ociErrorResponse(429, 'TOOMANYREQUESTS', RATE_LIMIT_MESSAGE, {
      headers: { ...rateHeaders(rateLimit), 'retry-after': String(rateLimit.retryAfterSec ?? 3600) },
    });
  }
  const byTag = !isDigest(reference);
  if (byTag && !TAG.test(reference)) return manifestUnknown(null);
  const digest = byTag ? repository.tags.get(reference) : (reference as Digest);
  const stored = digest === undefined ? undefined : repository.manifests.get(digest);
  if (stored === undefined) return manifestUnknown(byTag ? `unknown tag=${reference}` : null);
  const negotiated = negotiateManifest(stored, repository, parseAccept(request.headers.accept), byTag);
  if (negotiated.kind === 'refuse') return negotiated.response;
  const served = negotiated.manifest;
  if (rateLimit !== undefined && isGet) rateLimit.remaining -= 1;
  return {
    status: 200,
    headers: {
      'content-type': served.mediaType,
      'docker-content-digest': served.digest,
      etag: `"${served.digest}"`,
      ...(rateLimit === undefined ? {} : rateHeaders(rateLimit)),
    },
    body: served.bytes,
  };
}

function rateHeaders(rateLimit: PullRateLimit): Record<string, string> {
  return {
    'ratelimit-limit': `${rateLimit.limit}${RATE_WINDOW}`,
    'ratelimit-remaining': `${Math.max(0, rateLimit.remaining)}${RATE_WINDOW}`,
    'docker-ratelimit-source': '127.0.0.1',
  };
}

function manifestUnknown(detail: unknown): FakeResponse {
  return ociErrorResponse(404, 'MANIFEST_UNKNOWN', 'manifest unknown', { detail });
}

function blob(request: FakeRequest, repository: StoredRepository, digest: Digest, options: RegistryServerOptions): FakeResponse {
  const bytes = repository.blobs.get(digest);
  if (bytes === undefined) {
    return ociErrorResponse(404, 'BLOB_UNKNOWN', 'blob unknown to registry', { detail: digest });
  }
  const headers = { 'docker-content-digest': digest, 'content-type': 'application/octet-stream' };
  if (options.redirectBlobsToCdn) {
    // Hub answers blob GET and HEAD with a 307 to its storage (PROTOCOL.md §4.3).
    return { status: 307, headers: { ...headers, location: options.cdnUrls.issue(digest) } };
  }
  return blobResponse(bytes, headerValue(request.headers.range), { ...headers, etag: `"${digest}"` });
}

function tagsList(request: FakeRequest, repository: StoredRepository): FakeResponse {
  const nText = request.query.get('n');
  const last = request.query.get('last');
  if (nText !== null && !/^\d+$/.test(nText)) {
    return ociErrorResponse(400, 'PAGINATION_NUMBER_INVALID', 'invalid number of results requested', { detail: { n: nText } });
  }
  const all = [...repository.tags.keys()].sort();
  const after = last === null ? all : all.filter((tag) => tag > last);
  const n = nText === null ? undefined : Number(nText);
  const page = n === undefined ? after : after.slice(0, n);
  const headers: Record<string, string> = {};
  const lastOfPage = page[page.length - 1];
  if (n !== undefined && n > 0 && after.length > page.length && lastOfPage !== undefined) {
    const next = `/v2/${repository.name}/tags/list?last=${encodeURIComponent(lastOfPage)}&n=${n}`;
    headers.link = `<${next}>; rel="next"`;
  }
  return jsonResponse(200, { name: repository.name, tags: page }, headers);
}

function referrers(request: FakeRequest, repository: StoredRepository, subjectDigest: string): FakeResponse {
  const artifactType = request.query.get('artifactType');
  const descriptors = [...repository.manifests.values()]
    .filter((stored) => stored.subjectDigest === subjectDigest)
    .filter((stored) => artifactType === null || stored.artifactType === artifactType)
    .sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0))
    .map((stored) => ({
      mediaType: stored.mediaType,
      digest: stored.digest,
      size: stored.bytes.length,
      ...(stored.artifactType === undefined ? {} : { artifactType: stored.artifactType }),
      ...(stored.annotations === undefined ? {} : { annotations: stored.annotations }),
    }));
  const headers: Record<string, string> = { 'content-type': OCI_INDEX };
  if (artifactType !== null) headers['oci-filters-applied'] = 'artifactType';
  return jsonResponse(200, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: descriptors }, headers);
}

/** What Go's mux answers for a route the registry does not have. */
function notFoundPage(): FakeResponse {
  return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: Buffer.from('404 page not found\n') };
}
