import type { Context, MiddlewareHandler } from 'hono';
import type { ClientAuthenticator } from '../../auth/client-authenticator.js';
import { RegistryError } from '../../oci/registry-error.js';
import type { AppEnv } from '../env.js';

/** What the distribution registry's htpasswd access controller sends (registry/auth/htpasswd). */
const CHALLENGE = { 'WWW-Authenticate': 'Basic realm="lading"' };
/** Raw paths too: `/v2/../x` is routed as `/x` but still answered by the v2 handler (app.ts). */
const V2_PATH = /^\/v2(?:[/?]|$)/;

/**
 * Every /v2 request needs valid Basic credentials from the htpasswd file: none or wrong ones
 * get 401 UNAUTHORIZED with a Basic challenge (the `GET /v2/` ping included, which is how
 * clients learn to send them); an address with too many failed logins gets 429.
 */
export function requireClientLogin(authenticator: ClientAuthenticator): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!isV2Request(c)) return next();
    const result = await authenticator.authenticate(c.req.header('authorization'), c.get('clientAddress') ?? '');
    switch (result.outcome) {
      case 'ok':
        c.set('clientUser', result.username);
        return next();
      case 'rate-limited':
        throw new RegistryError('TOOMANYREQUESTS', `too many failed logins from this address; retry in ${result.retryAfterSeconds}s`, {
          headers: { 'Retry-After': String(result.retryAfterSeconds) },
        });
      case 'invalid':
        throw new RegistryError('UNAUTHORIZED', 'invalid username or password', { headers: CHALLENGE });
      case 'missing':
        throw new RegistryError('UNAUTHORIZED', 'authentication required', { headers: CHALLENGE });
    }
  };
}

function isV2Request(c: Context<AppEnv>): boolean {
  return V2_PATH.test(c.req.path) || V2_PATH.test(c.env?.incoming?.url ?? '');
}
