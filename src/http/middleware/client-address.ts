import type { MiddlewareHandler } from 'hono';
import type { ClientAddressResolver } from '../client-address.js';
import type { AppEnv } from '../env.js';

/** Sets `clientAddress` for the request log and the login rate limit (first middleware). */
export function clientAddress(resolver: ClientAddressResolver): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('clientAddress', resolver.resolve(c.env?.incoming?.socket?.remoteAddress, c.req.header('x-forwarded-for')));
    await next();
  };
}
