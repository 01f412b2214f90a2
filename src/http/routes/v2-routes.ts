import type { Context } from 'hono';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { parseAccept } from '../../oci/accept.js';
import { parsePageRequest, type PageRequest } from '../../oci/pagination.js';
import { OCI_INDEX } from '../../oci/media-types.js';
import { RegistryError } from '../../oci/registry-error.js';
import type { Registry } from '../../registry/registry.js';
import { discardBody } from '../../registry/blob-body.js';
import type { Route } from '../../registry/upstream-router.js';
import { writeBlobResponse } from '../blob-response.js';
import type { AppEnv } from '../env.js';
import { parseV2Path, type V2Route } from '../v2-path.js';

const READ_METHODS = new Set(['GET', 'HEAD']);

/** The `/v2/…` pull API: parse, call registry/, write headers (STYLE.md habit 5). */
export function v2Handler(registry: Registry) {
  return async (c: Context<AppEnv>): Promise<Response> => {
    const rawUrl = c.env?.incoming?.url ?? new URL(c.req.url).pathname + new URL(c.req.url).search;
    const queryStart = rawUrl.indexOf('?');
    const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    const route = parseV2Path(rawPath);
    if (route.kind === 'upload' || !READ_METHODS.has(c.req.method)) {
      throw new RegistryError('UNSUPPORTED', 'lading is a read-only pull-through mirror: push and delete are not supported', {
        status: 405,
        headers: { Allow: 'GET, HEAD' },
      });
    }
    const head = c.req.method === 'HEAD';
    switch (route.kind) {
      case 'base':
        return c.json({});
      case 'catalog':
        return catalog(c, registry, parsePageRequest({ n: query.get('n'), last: query.get('last') }));
      case 'tags':
        return tagsList(c, registry, registry.route(route.name, query.get('ns')), parsePageRequest({ n: query.get('n'), last: query.get('last') }), route.name);
      case 'manifest':
        return manifest(c, registry, route, query, head);
      case 'blob':
        return blob(c, registry, route, query, head);
      case 'referrers':
        return referrers(c, registry, route, query);
    }
  };
}

async function manifest(c: Context<AppEnv>, registry: Registry, route: Extract<V2Route, { kind: 'manifest' }>, query: URLSearchParams, head: boolean): Promise<Response> {
  c.set('requestKind', route.reference.kind === 'tag' ? 'tag' : 'manifest');
  const target = registry.route(route.name, query.get('ns'));
  noteRoute(c, target);
  const served = await registry.manifests.get(target, route.reference, parseAccept(c.req.header('accept')));
  const { manifest: m } = served;
  c.set('cacheOutcome', served.cache);
  c.set('statsOutcome', served.tagOutcome === 'revalidated' ? 'revalidated' : served.cache);
  const headers: Record<string, string> = {
    'Content-Type': m.mediaType,
    'Content-Length': String(m.bytes.byteLength),
    'Docker-Content-Digest': m.digest,
    ETag: `"${m.digest}"`,
    'X-Lading-Cache': served.cache,
    ...namespaceHeader(target),
  };
  if (served.warning) headers.Warning = `299 - "${served.warning}"`;
  if (c.req.header('if-none-match') === `"${m.digest}"`) return c.body(null, 304, headers);
  if (head) return c.body(null, 200, headers);
  return c.body(m.bytes as Uint8Array<ArrayBuffer>, 200, headers);
}

async function blob(c: Context<AppEnv>, registry: Registry, route: Extract<V2Route, { kind: 'blob' }>, query: URLSearchParams, head: boolean): Promise<Response> {
  c.set('requestKind', 'blob');
  const target = registry.route(route.name, query.get('ns'));
  noteRoute(c, target);
  const headers: Record<string, string> = { 'Docker-Content-Digest': route.digest, ETag: `"${route.digest}"`, 'Docker-Distribution-API-Version': 'registry/2.0', ...namespaceHeader(target) };
  if (head) {
    const { sizeBytes, cache } = await registry.blobs.head(target, route.digest);
    c.set('cacheOutcome', cache);
    return c.body(null, 200, { ...headers, 'Content-Type': 'application/octet-stream', 'Content-Length': String(sizeBytes), 'Accept-Ranges': 'bytes', 'X-Lading-Cache': cache });
  }
  const answer = await registry.blobs.get(target, route.digest, c.req.header('range'));
  c.set('cacheOutcome', answer.cache);
  if (answer.range.kind === 'unsatisfiable' || answer.range.kind === 'invalid') {
    discardBody(answer.body);
    throw new RegistryError('RANGE_INVALID', answer.range.kind === 'invalid' ? 'malformed Range header' : `range not satisfiable for a blob of ${answer.sizeBytes} bytes`, {
      headers: { 'Content-Range': `bytes */${answer.sizeBytes}` },
    });
  }
  const outgoing = c.env?.outgoing;
  if (!outgoing) throw new Error('blob responses need the Node HTTP adapter');
  c.set('bodyBytes', 0);
  await writeBlobResponse(outgoing, answer, { ...headers, 'X-Lading-Cache': answer.cache }, false, (bytes) => c.set('bodyBytes', bytes));
  return RESPONSE_ALREADY_SENT;
}

async function tagsList(c: Context<AppEnv>, registry: Registry, target: Route, page: PageRequest, clientName: string): Promise<Response> {
  noteRoute(c, target);
  const answer = await registry.tags.list(target, page);
  const headers: Record<string, string> = { ...namespaceHeader(target) };
  const last = answer.tags.at(-1);
  if (answer.hasMore && last !== undefined) {
    const next = new URLSearchParams({ n: String(page.n ?? answer.tags.length), last });
    if (target.namespace) next.set('ns', target.namespace);
    headers.Link = `</v2/${clientName}/tags/list?${next.toString()}>; rel="next"`;
  }
  if (answer.warning) {
    headers.Warning = `299 - "${answer.warning}"`;
    c.set('cacheOutcome', 'stale');
  }
  return c.json({ name: clientName, tags: answer.tags }, 200, headers);
}

async function catalog(c: Context<AppEnv>, registry: Registry, page: PageRequest): Promise<Response> {
  const answer = await registry.catalog(page);
  const headers: Record<string, string> = {};
  const last = answer.repositories.at(-1);
  if (answer.hasMore && last !== undefined) {
    headers.Link = `</v2/_catalog?${new URLSearchParams({ n: String(page.n ?? answer.repositories.length), last }).toString()}>; rel="next"`;
  }
  return c.json({ repositories: answer.repositories }, 200, headers);
}

async function referrers(c: Context<AppEnv>, registry: Registry, route: Extract<V2Route, { kind: 'referrers' }>, query: URLSearchParams): Promise<Response> {
  const target = registry.route(route.name, query.get('ns'));
  noteRoute(c, target);
  const artifactType = query.get('artifactType') ?? undefined;
  if (artifactType !== undefined && (artifactType.length > 255 || !/^[\w.+/-]+$/.test(artifactType))) {
    throw new RegistryError('UNSUPPORTED', 'invalid artifactType filter', { status: 400 });
  }
  const answer = await registry.referrers.list(target, route.digest, artifactType);
  const headers: Record<string, string> = { 'Content-Type': OCI_INDEX, ...namespaceHeader(target) };
  if (answer.filtersApplied) headers['OCI-Filters-Applied'] = 'artifactType';
  return c.body(answer.bytes as Uint8Array<ArrayBuffer>, 200, headers);
}

function noteRoute(c: Context<AppEnv>, route: Route): void {
  c.set('upstreamName', route.upstream.config.name);
  c.set('clientRepository', route.clientName);
}

/** Echo the `ns` that picked the upstream (distribution-spec "Registry Proxying", PROTOCOL.md §5.6). */
function namespaceHeader(route: Route): Record<string, string> {
  return route.namespace ? { 'OCI-Namespace': route.namespace } : {};
}
