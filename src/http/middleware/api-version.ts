import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env.js';

/** `Docker-Distribution-API-Version: registry/2.0` on every /v2 answer, errors included. */
export const apiVersionHeader: MiddlewareHandler<AppEnv> = async (c, next) => {
  await next();
  c.res.headers.set('Docker-Distribution-API-Version', 'registry/2.0');
};
