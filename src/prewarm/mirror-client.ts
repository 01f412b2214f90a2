import { rootCertificates } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import { createDigester, digestAlgorithm, digestOf, isDigest, type Digest } from '../oci/digest.js';
import type { Descriptor } from '../oci/manifest.js';
import { MAX_MANIFEST_BYTES, UPSTREAM_MANIFEST_ACCEPT } from '../oci/media-types.js';
import { readCapped } from '../upstream/read-capped.js';
import { cacheSourceOf, type CacheSource } from './cache-source.js';
import { MirrorRequestError } from './mirror-request-error.js';
import { mirrorPath, type MirrorRoute } from './mirror-route.js';

const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** How to trust an https mirror: an extra CA (PEM text), or no verification at all. */
export interface MirrorTls {
  caPem?: string;
  insecure?: boolean;
}

export interface FetchedManifest {
  bytes: Uint8Array;
  /** Content-Type without parameters. */
  mediaType: string;
  digest: Digest;
  source: CacheSource;
}

/** What a pin asks the admin API for (the same body `POST /_lading/api/pins` documents). */
export interface PinRequest {
  image: string;
  platforms: string[] | 'all';
}

/**
 * Talks to a running lading over HTTP the way a pulling client does, so the mirror's stats and
 * cache see prewarm as ordinary pulls. Every byte received is checked against its digest.
 */
export class MirrorClient {
  readonly #baseUrl: string;
  readonly #agent: Dispatcher;

  constructor(mirrorUrl: string, tls: MirrorTls = {}) {
    this.#baseUrl = mirrorUrl.replace(/\/+$/, '');
    // `ca` replaces Node's trust store, so the system roots go along with the extra CA.
    const connect =
      tls.insecure === true
        ? { rejectUnauthorized: false }
        : tls.caPem !== undefined
          ? { ca: [...rootCertificates, tls.caPem] }
          : undefined;
    this.#agent = new Agent(connect === undefined ? {} : { connect });
  }

  /** `GET /v2/`: fails with a MirrorRequestError when the mirror cannot be reached at all. */
  async ping(): Promise<void> {
    const response = await this.#send('GET', '/v2/', {});
    await response.body.dump();
  }

  /** GET a manifest by tag or digest, with every manifest type in Accept; verified against its digest. */
  async getManifest(route: MirrorRoute, reference: string): Promise<FetchedManifest> {
    const path = mirrorPath(route, 'manifests', reference);
    const response = await this.#send('GET', path, { accept: UPSTREAM_MANIFEST_ACCEPT });
    if (response.statusCode !== 200) throw await errorFrom(response, path);
    const bytes = await readCapped(response.body, MAX_MANIFEST_BYTES).catch((error: unknown) => {
      throw new MirrorRequestError(`${path}: ${(error as Error).message}`);
    });
    const expected = isDigest(reference) ? (reference as Digest) : headerDigest(response.headers['docker-content-digest']);
    const digest = digestOf(bytes, expected === undefined ? 'sha256' : digestAlgorithm(expected));
    if (expected !== undefined && digest !== expected) {
      throw new MirrorRequestError(`manifest ${reference} from the mirror has digest ${digest}, expected ${expected}`);
    }
    const contentType = headerText(response.headers['content-type']) ?? '';
    return {
      bytes,
      mediaType: contentType.split(';')[0]?.trim().toLowerCase() ?? '',
      digest,
      source: cacheSourceOf(headerText(response.headers['x-lading-cache'])),
    };
  }

  /**
   * GET a blob and read it whole (the mirror fills its cache on GET, not HEAD), hashing as it
   * arrives; `onBytes` sees every chunk. Rejects on a wrong size or digest (messages do not
   * repeat the digest: callers name the blob).
   */
  async downloadBlob(route: MirrorRoute, descriptor: Descriptor, onBytes: (bytes: number) => void): Promise<CacheSource> {
    const path = mirrorPath(route, 'blobs', descriptor.digest);
    const response = await this.#send('GET', path, {});
    if (response.statusCode !== 200) throw await errorFrom(response, path);
    const source = cacheSourceOf(headerText(response.headers['x-lading-cache']));
    const hasher = createDigester(digestAlgorithm(descriptor.digest));
    let receivedBytes = 0;
    try {
      for await (const chunk of response.body) {
        const buffer = chunk as Buffer;
        receivedBytes += buffer.byteLength;
        if (receivedBytes > descriptor.size) {
          throw new MirrorRequestError(`the mirror sent more than its ${descriptor.size} bytes`);
        }
        hasher.update(buffer);
        onBytes(buffer.byteLength);
      }
    } catch (error) {
      response.body.destroy();
      if (error instanceof MirrorRequestError) throw error;
      throw new MirrorRequestError(`the mirror's response was cut: ${(error as Error).message}`, { cause: error });
    }
    if (receivedBytes !== descriptor.size) {
      throw new MirrorRequestError(`the mirror sent ${receivedBytes} bytes, expected ${descriptor.size}`);
    }
    const actual = `${digestAlgorithm(descriptor.digest)}:${hasher.digest('hex')}`;
    if (actual !== descriptor.digest) {
      throw new MirrorRequestError(`the mirror sent content with digest ${actual}`);
    }
    return source;
  }

  /**
   * HEAD a blob already fetched under another repository: the mirror then records that this
   * repository has it (asking upstream with a HEAD once), so this image is pullable offline too.
   */
  async headBlob(route: MirrorRoute, descriptor: Descriptor): Promise<CacheSource> {
    const path = mirrorPath(route, 'blobs', descriptor.digest);
    const response = await this.#send('HEAD', path, {});
    await response.body.dump();
    if (response.statusCode !== 200) throw errorFromStatus(response.statusCode, path);
    return cacheSourceOf(headerText(response.headers['x-lading-cache']));
  }

  /** `POST /_lading/api/pins` with the admin token. */
  async pin(pin: PinRequest, adminToken: string): Promise<void> {
    const path = '/_lading/api/pins';
    const response = await this.#send('POST', path, {
      authorization: `Bearer ${adminToken}`,
      'content-type': 'application/json',
    }, JSON.stringify(pin));
    if (response.statusCode === 200 || response.statusCode === 201 || response.statusCode === 204) {
      await response.body.dump();
      return;
    }
    const error = await errorFrom(response, path);
    if (response.statusCode === 401 || response.statusCode === 403) {
      throw new MirrorRequestError(`pin refused: the mirror did not accept LADING_ADMIN_TOKEN (${error.message})`, { status: error.status });
    }
    if (response.statusCode === 404) {
      throw new MirrorRequestError('pin failed: the mirror\'s admin API is off (404); configure admin.tokenEnv or admin.tokenFile on the mirror', { status: 404 });
    }
    throw new MirrorRequestError(`pin failed: ${error.message}`, { status: error.status });
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #send(method: 'GET' | 'HEAD' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<Dispatcher.ResponseData> {
    try {
      return await request(`${this.#baseUrl}${path}`, { method, headers, dispatcher: this.#agent, ...(body === undefined ? {} : { body }) });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new MirrorRequestError(`cannot reach the mirror at ${this.#baseUrl}: ${(error as Error).message}${code ? ` (${code})` : ''}`, { cause: error });
    }
  }
}

/** The mirror's OCI error body (`{"errors":[{code,message}]}`) as a MirrorRequestError. */
async function errorFrom(response: Dispatcher.ResponseData, path: string): Promise<MirrorRequestError> {
  let text = '';
  try {
    text = (await readCapped(response.body, MAX_ERROR_BODY_BYTES)).toString('utf8');
  } catch {
    response.body.destroy();
  }
  try {
    const parsed = JSON.parse(text) as { errors?: { code?: unknown; message?: unknown }[] };
    const first = parsed.errors?.[0];
    if (first !== undefined && typeof first.message === 'string') {
      const code = typeof first.code === 'string' ? first.code : undefined;
      return new MirrorRequestError(`${code ? `${code}: ` : ''}${first.message} (HTTP ${response.statusCode})`, { status: response.statusCode, code });
    }
  } catch {
    // not an OCI error body; described by status below
  }
  return errorFromStatus(response.statusCode, path);
}

function errorFromStatus(status: number, path: string): MirrorRequestError {
  return new MirrorRequestError(`the mirror answered HTTP ${status} for ${path}`, { status });
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function headerDigest(value: string | string[] | undefined): Digest | undefined {
  const text = headerText(value);
  return text !== undefined && isDigest(text) ? (text as Digest) : undefined;
}
