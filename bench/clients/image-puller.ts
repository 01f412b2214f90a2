import pLimit from 'p-limit';
import { Agent, request, type Dispatcher } from 'undici';
import { MANIFEST_ACCEPT } from './wrk-run.js';

/** dockerd's default `max-concurrent-downloads`. */
const PARALLEL_LAYERS = 3;
const REQUEST_TIMEOUT_MS = 300_000;

interface Descriptor {
  digest: string;
  mediaType?: string;
  size?: number;
  platform?: { os?: string; architecture?: string };
}

export interface PullResult {
  totalMs: number;
  bytes: number;
  requests: number;
}

/**
 * Pulls `repository:tag` the way dockerd does: ping, manifest by tag (an index), the
 * linux/amd64 manifest by digest, the config, then the layers three at a time. Every body is
 * read to the end and its size checked.
 */
export async function pullImage(registryUrl: string, repository: string, tag: string): Promise<PullResult> {
  const agent = new Agent({ connections: PARALLEL_LAYERS + 1, headersTimeout: REQUEST_TIMEOUT_MS, bodyTimeout: REQUEST_TIMEOUT_MS });
  let bytes = 0;
  let requests = 0;
  const get = async (path: string, accept: string | undefined): Promise<Dispatcher.ResponseData> => {
    requests += 1;
    const response = await request(`${registryUrl}${path}`, { dispatcher: agent, headers: accept === undefined ? {} : { accept } });
    if (response.statusCode !== 200) {
      const text = await response.body.text();
      throw new Error(`GET ${path}: ${response.statusCode} ${text.slice(0, 300)}`);
    }
    return response;
  };
  const getJson = async <T>(path: string, accept: string): Promise<T> => {
    const body = Buffer.from(await (await get(path, accept)).body.arrayBuffer());
    bytes += body.length;
    return JSON.parse(body.toString('utf8')) as T;
  };
  const fetchBlob = async (descriptor: Descriptor): Promise<void> => {
    let received = 0;
    for await (const chunk of (await get(`/v2/${repository}/blobs/${descriptor.digest}`, undefined)).body) {
      received += (chunk as Buffer).length;
    }
    bytes += received;
    if (received !== descriptor.size) throw new Error(`blob ${descriptor.digest}: got ${received} bytes, want ${descriptor.size}`);
  };
  const startedAt = performance.now();
  try {
    await getJson('/v2/', 'application/json');
    const index = await getJson<{ manifests?: Descriptor[] }>(`/v2/${repository}/manifests/${tag}`, MANIFEST_ACCEPT);
    const child = index.manifests?.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64');
    if (child === undefined) throw new Error(`${repository}:${tag} is not an index with linux/amd64`);
    const manifest = await getJson<{ config: Descriptor; layers: Descriptor[] }>(
      `/v2/${repository}/manifests/${child.digest}`,
      MANIFEST_ACCEPT,
    );
    await fetchBlob(manifest.config);
    const limit = pLimit(PARALLEL_LAYERS);
    await Promise.all(manifest.layers.map((layer) => limit(() => fetchBlob(layer))));
    return { totalMs: performance.now() - startedAt, bytes, requests };
  } finally {
    await agent.close();
  }
}
