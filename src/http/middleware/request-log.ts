import type { MiddlewareHandler } from 'hono';
import type { Logger } from '../../log/logger.js';
import type { AppEnv } from '../env.js';

/**
 * One JSON line per request, written when the response has really finished (or broke): blob
 * bodies bypass hono, so status and bytes are read from the Node response at 'close'.
 */
export function requestLog(logger: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const startedAt = performance.now();
    const outgoing = c.env?.outgoing;
    const write = (status: number, bytes: number | undefined, completed: boolean): void => {
      logger.info('request', {
        method: c.req.method,
        path: c.env?.incoming?.url ?? c.req.path,
        status,
        bytes,
        cache: c.get('cacheOutcome'),
        upstream: c.get('upstreamName'),
        ms: Math.round(performance.now() - startedAt),
        ...(completed ? {} : { aborted: true }),
      });
    };
    if (outgoing) {
      outgoing.once('close', () => {
        const streamed = c.get('bodyBytes');
        const declared = Number(outgoing.getHeader('content-length') ?? NaN);
        const bytes = streamed ?? (c.req.method === 'HEAD' || Number.isNaN(declared) ? 0 : declared);
        write(outgoing.statusCode, bytes, outgoing.writableFinished);
      });
    }
    await next();
    if (!outgoing) write(c.res.status, undefined, true);
  };
}
