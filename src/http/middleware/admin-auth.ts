import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AdminConfig } from '../../config/schema.js';
import { RegistryError } from '../../oci/registry-error.js';
import type { AppEnv } from '../env.js';

/**
 * Requires `Authorization: Bearer <admin token>`. Compared in constant time over SHA-256 digests
 * (equal lengths), so the response time tells nothing about the token.
 */
export function requireAdminToken(admin: AdminConfig): MiddlewareHandler<AppEnv> {
  const expected = admin.token === undefined ? undefined : sha256(admin.token);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const presented = /^Bearer\s+(.+)$/i.exec(header)?.[1];
    if (!expected || presented === undefined || !timingSafeEqual(sha256(presented), expected)) {
      throw new RegistryError('UNAUTHORIZED', 'admin token required', {
        headers: { 'WWW-Authenticate': 'Bearer realm="lading"' },
      });
    }
    await next();
  };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
