import { request } from 'undici';
import { digestOf } from '../../src/oci/digest.js';

// Pushes exact bytes through the registry HTTP API (distribution-spec "push"), so every digest a
// test computed is the digest the registry serves: no client re-encodes or converts anything.
// The shapes are structural so `fake-upstream/image-builder.ts` results fit without an import.

export interface PushableBlob {
  bytes: Uint8Array;
  digest: string;
  mediaType: string;
  size: number;
}

export interface PushableImage {
  manifest: PushableBlob;
  config: PushableBlob;
  layers: readonly PushableBlob[];
}

export interface PushableIndex {
  manifest: PushableBlob;
  children: readonly PushableImage[];
}

const TIMEOUTS = { headersTimeout: 30_000, bodyTimeout: 30_000 } as const;

/** Monolithic upload: POST opens a session, one PUT `<Location>?digest=` carries the bytes. */
export async function pushBlob(registryUrl: string, repo: string, bytes: Uint8Array): Promise<string> {
  const digest = digestOf(bytes);
  const start = await request(new URL(`/v2/${repo}/blobs/uploads/`, registryUrl), {
    method: 'POST',
    headers: { 'content-length': '0' },
    ...TIMEOUTS,
  });
  const startBody = await start.body.text();
  const location = start.headers['location'];
  if (start.statusCode !== 202 || typeof location !== 'string') {
    throw new Error(`POST /v2/${repo}/blobs/uploads/: ${start.statusCode} ${startBody}`);
  }
  // Location may be relative and may already carry a query (distribution adds `_state`).
  const uploadUrl = new URL(location, registryUrl);
  uploadUrl.searchParams.set('digest', digest);
  const put = await request(uploadUrl, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.byteLength) },
    body: bytes,
    ...TIMEOUTS,
  });
  const putBody = await put.body.text();
  if (put.statusCode !== 201) {
    throw new Error(`PUT blob ${digest} to ${repo}: ${put.statusCode} ${putBody}`);
  }
  return digest;
}

/** PUT a manifest or index under a tag or its digest; checks the registry kept the bytes. */
export async function pushManifest(
  registryUrl: string,
  repo: string,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<string> {
  const digest = digestOf(bytes);
  const response = await request(new URL(`/v2/${repo}/manifests/${reference}`, registryUrl), {
    method: 'PUT',
    headers: { 'content-type': mediaType, 'content-length': String(bytes.byteLength) },
    body: bytes,
    ...TIMEOUTS,
  });
  const body = await response.body.text();
  if (response.statusCode !== 201) {
    throw new Error(`PUT /v2/${repo}/manifests/${reference}: ${response.statusCode} ${body}`);
  }
  const stored = response.headers['docker-content-digest'];
  if (stored !== undefined && stored !== digest) {
    throw new Error(`registry stored ${repo}:${reference} as ${String(stored)}, expected ${digest}`);
  }
  return digest;
}

/** Config and layers first (the registry checks references), then the manifest under `reference`. */
export async function pushImage(
  registryUrl: string,
  repo: string,
  reference: string,
  built: PushableImage,
): Promise<string> {
  for (const blob of [built.config, ...built.layers]) {
    await pushBlob(registryUrl, repo, blob.bytes);
  }
  return pushManifest(registryUrl, repo, reference, built.manifest.bytes, built.manifest.mediaType);
}

/** Each child image by its digest, then the index (OCI or Docker list) under `tag`. */
export async function pushIndex(
  registryUrl: string,
  repo: string,
  tag: string,
  builtIndex: PushableIndex,
): Promise<string> {
  for (const child of builtIndex.children) {
    await pushImage(registryUrl, repo, child.manifest.digest, child);
  }
  return pushManifest(registryUrl, repo, tag, builtIndex.manifest.bytes, builtIndex.manifest.mediaType);
}
