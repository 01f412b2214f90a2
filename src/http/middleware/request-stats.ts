import type { MiddlewareHandler } from 'hono';
import type { Recorder } from '../../stats/recorder.js';
import type { AppEnv } from '../env.js';

/**
 * Counts each pull API request once, when its response has finished: by kind (blob, manifest,
 * tag) and outcome, and the body bytes that came from the cache. Failed answers count as error.
 */
export function requestStats(recorder: Recorder): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const outgoing = c.env?.outgoing;
    const record = (status: number, bodyBytes: number): void => {
      const kind = c.get('requestKind');
      if (!kind) return;
      const outcome = status >= 400 ? 'error' : (c.get('statsOutcome') ?? (c.get('cacheOutcome') as 'hit' | 'miss' | 'joined' | 'stale' | undefined) ?? 'miss');
      recorder.request(kind, outcome, c.get('clientRepository'));
      if (status < 400 && (outcome === 'hit' || outcome === 'stale' || outcome === 'revalidated')) recorder.bytesServedFromCache(bodyBytes);
    };
    // hono hands its Response to the adapter after the handler returns, so its length is known
    // here; blob bodies written directly report their bytes through `bodyBytes`.
    let declaredBytes = 0;
    if (outgoing) {
      outgoing.once('close', () => {
        record(outgoing.statusCode, c.get('bodyBytes') ?? (c.req.method === 'HEAD' ? 0 : declaredBytes));
      });
    }
    await next();
    declaredBytes = Number(c.res.headers.get('content-length') ?? 0) || 0;
    if (!outgoing) record(c.res.status, 0);
  };
}
