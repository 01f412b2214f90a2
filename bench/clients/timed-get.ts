import { Agent, request } from 'undici';

const TIMEOUT_MS = 600_000;

export interface TimedGet {
  /** From the first request sent to the first body byte of the blob. */
  ttfbMs: number;
  totalMs: number;
  sizeBytes: number;
}

/** One GET through a mirror: time to first body byte and to the end. */
export async function timedGet(url: string): Promise<TimedGet> {
  const agent = new Agent({ headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  try {
    const startedAt = performance.now();
    const response = await request(url, { dispatcher: agent });
    if (response.statusCode !== 200) throw new Error(`GET ${url}: ${response.statusCode}`);
    return { ...(await readTimed(response.body, startedAt)), sizeBytes: Number(response.headers['content-length']) };
  } finally {
    await agent.close();
  }
}

/**
 * The same blob fetched straight from the upstream, as a client without a mirror does it:
 * anonymous 401 → token from the Bearer realm → GET with the token → 307 → cdn GET without
 * Authorization (PROTOCOL.md §4.1, §4.3). Timed from the first request. Like a mirror, the
 * client keeps its token in `tokens` (by repository) for later GETs, which then start at the
 * authorized GET.
 */
export async function timedDirectGet(registryUrl: string, repository: string, digest: string, tokens: Map<string, string>): Promise<TimedGet> {
  const agent = new Agent({ headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS });
  try {
    const blobUrl = `${registryUrl}/v2/${repository}/blobs/${digest}`;
    const startedAt = performance.now();
    let token = tokens.get(repository);
    if (token === undefined) {
      const challenged = await request(blobUrl, { dispatcher: agent });
      await challenged.body.dump();
      const challenge = String(challenged.headers['www-authenticate'] ?? '');
      const param = (name: string): string => new RegExp(`${name}="([^"]*)"`).exec(challenge)?.[1] ?? '';
      if (challenged.statusCode !== 401 || param('realm') === '') throw new Error(`direct GET: expected a Bearer 401, got ${challenged.statusCode}`);
      const tokenUrl = new URL(param('realm'));
      tokenUrl.searchParams.set('service', param('service'));
      tokenUrl.searchParams.set('scope', param('scope'));
      const tokenResponse = await request(tokenUrl, { dispatcher: agent });
      token = ((await tokenResponse.body.json()) as { token: string }).token;
      tokens.set(repository, token);
    }
    const redirect = await request(blobUrl, { dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
    await redirect.body.dump();
    const location = redirect.headers.location;
    if (redirect.statusCode !== 307 || typeof location !== 'string') throw new Error(`direct GET: expected a 307, got ${redirect.statusCode}`);
    const response = await request(new URL(location, blobUrl), { dispatcher: agent });
    if (response.statusCode !== 200) throw new Error(`direct cdn GET: ${response.statusCode}`);
    return { ...(await readTimed(response.body, startedAt)), sizeBytes: Number(response.headers['content-length']) };
  } finally {
    await agent.close();
  }
}

async function readTimed(body: AsyncIterable<unknown>, startedAt: number): Promise<{ ttfbMs: number; totalMs: number }> {
  let ttfbMs: number | undefined;
  for await (const _chunk of body) ttfbMs ??= performance.now() - startedAt;
  const totalMs = performance.now() - startedAt;
  return { ttfbMs: ttfbMs ?? totalMs, totalMs };
}
