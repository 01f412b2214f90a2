import { Hono } from 'hono';
import type { Context } from 'hono';
import type { Logger } from '../log/logger.js';
import { RegistryError } from '../oci/registry-error.js';
import type { Registry } from '../registry/registry.js';
import type { AppEnv } from './env.js';
import { errorAnswerFor } from './error-response.js';
import { apiVersionHeader } from './middleware/api-version.js';
import { requestLog } from './middleware/request-log.js';
import { requestStats } from './middleware/request-stats.js';
import type { Recorder } from '../stats/recorder.js';
import type { StatsSources } from '../stats/stats-sources.js';
import { v2Handler } from './routes/v2-routes.js';
import { adminRoutes } from './routes/admin-routes.js';
import { registerStatsRoutes } from './routes/stats-routes.js';
import type { AdminConfig } from '../config/schema.js';
import type { CacheAdmin } from '../registry/cache-admin.js';
import type { ClientAuthenticator } from '../auth/client-authenticator.js';
import type { ClientAddressResolver } from './client-address.js';
import { clientAddress } from './middleware/client-address.js';
import { requireClientLogin } from './middleware/client-auth.js';

export interface AppDependencies {
  registry: Registry;
  logger: Logger;
  recorder: Recorder;
  sources: StatsSources;
  cacheAdmin: CacheAdmin;
  admin: AdminConfig;
  /** Client addresses for logs and login limits (`trustProxy`). */
  clientAddresses: ClientAddressResolver;
  /** Client auth (`auth.htpasswd`); /v2 is open without it. */
  clientAuth?: ClientAuthenticator;
}

const RAW_V2_PATH = /^\/v2(?:[/?]|$)/;

/** Middleware order, routes and the one error handler. Nothing below http/ knows hono. */
export function createApp({ registry, logger, recorder, sources, cacheAdmin, admin, clientAddresses, clientAuth }: AppDependencies): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', clientAddress(clientAddresses));
  app.use('*', requestLog(logger));
  // On '*', not '/v2/*': a raw /v2 path that routing resolved elsewhere is still a /v2 request.
  if (clientAuth) app.use('*', requireClientLogin(clientAuth));
  app.use('/v2/*', requestStats(recorder));
  app.use('/v2', apiVersionHeader);
  app.use('/v2/*', apiVersionHeader);
  const v2 = v2Handler(registry);
  app.all('/v2', v2);
  app.all('/v2/*', v2);
  app.route('/_lading/api', adminRoutes(cacheAdmin, admin));
  registerStatsRoutes(app, sources, admin);
  app.get('/_lading/health', (c) => {
    const upstreams = Object.fromEntries(sources.upstreams().map((u) => [u.name, u.state]));
    const cache = sources.cache();
    // Healthy while the cache can serve, whatever the upstreams' state (the body says which).
    return sources.serving()
      ? c.json({ status: 'ok', diskFull: cache.diskFull, upstreams })
      : c.json({ status: 'unavailable', upstreams }, 503);
  });
  // hono routes on the URL with dot segments resolved (`/v2/../etc` → `/etc`); the v2 handler
  // reads the raw path, so a raw /v2 path that routing lost still gets its grammar's answer (400).
  app.notFound((c) =>
    RAW_V2_PATH.test(c.env?.incoming?.url ?? '')
      ? v2(c).catch((error: unknown) => errorResponse(c, error, logger))
      : errorResponse(c, new RegistryError('UNSUPPORTED', 'not found', { status: 404 }), logger),
  );
  app.onError((error, c) => errorResponse(c, error, logger));
  return app;
}

function errorResponse(c: Context<AppEnv>, error: unknown, logger: Logger): Response {
  const answer = errorAnswerFor(error);
  if (answer.internal) {
    logger.error('internal error', { path: c.req.path, error, stack: (error as Error)?.stack });
  }
  const outgoing = c.env?.outgoing;
  if (outgoing?.headersSent) {
    // Too late for a status: break the connection so the client sees an incomplete response.
    outgoing.destroy();
  }
  return c.json(answer.body, answer.status as 400, {
    ...answer.headers,
    'Docker-Distribution-API-Version': 'registry/2.0',
  });
}
