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
      // Health probes (a container HEALTHCHECK every few seconds) would drown the log.
      const log = c.req.path === '/_lading/health' && status < 400 ? logger.debug : logger.info;
      log('request', {
        method: c.req.method,
        path: c.env?.incoming?.url ?? c.req.path,
        client: c.get('clientAddress'),
        user: c.get('clientUser'),
        status,
        bytes,
        cache: c.get('cacheOutcome'),
        upstream: c.get('upstreamName'),
        ms: Math.round(performance.now() - startedAt),
        ...(completed ? {} : { aborted: true }),
      });
    };
    let declaredBytes: number | undefined;
    if (outgoing) {
      outgoing.once('close', () => {
        const bytes = c.get('bodyBytes') ?? (c.req.method === 'HEAD' ? 0 : declaredBytes);
        write(outgoing.statusCode, bytes, outgoing.writableFinished);
      });
    }
    await next();
    // Set after the handler: hono's Response is written by the adapter only after this returns.
    const declared = c.res.headers.get('content-length');
    declaredBytes = declared === null ? undefined : Number(declared);
    if (!outgoing) write(c.res.status, undefined, true);
  };
}
