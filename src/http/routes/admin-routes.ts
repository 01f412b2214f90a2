import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AdminConfig } from '../../config/schema.js';
import { parseDigest } from '../../oci/digest.js';
import { RegistryError } from '../../oci/registry-error.js';
import type { CacheAdmin } from '../../registry/cache-admin.js';
import type { AppEnv } from '../env.js';
import { requireAdminToken } from '../middleware/admin-auth.js';

const MAX_ADMIN_BODY_BYTES = 64 * 1024;

/**
 * `/_lading/api/*`: cached images, pins, eviction. Off (404) without a configured admin token;
 * with one, every call needs `Authorization: Bearer <token>`.
 */
export function adminRoutes(cacheAdmin: CacheAdmin, admin: AdminConfig): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  if (admin.token === undefined) {
    api.all('*', () => {
      throw new RegistryError('UNSUPPORTED', 'the admin API is off: configure admin.tokenEnv or admin.tokenFile', { status: 404 });
    });
    return api;
  }
  api.use('*', requireAdminToken(admin));
  api.use('*', bodyLimit({ maxSize: MAX_ADMIN_BODY_BYTES, onError: () => { throw new RegistryError('SIZE_INVALID', 'request body too large', { status: 413 }); } }));
  api.get('/images', async (c) => c.json({ images: await cacheAdmin.images() }));
  api.get('/pins', (c) => c.json({ pins: cacheAdmin.pins() }));
  api.post('/pins', async (c) => {
    const body = await jsonBody(c);
    return c.json({ pin: await cacheAdmin.pin(imageOf(body), body.platforms) }, 201);
  });
  api.delete('/pins', async (c) => {
    const image = imageOf(await jsonBody(c));
    if (!(await cacheAdmin.unpin(image))) throw new RegistryError('MANIFEST_UNKNOWN', `${image} is not pinned`);
    return c.json({ unpinned: image });
  });
  api.post('/evict', async (c) => {
    const body = await jsonBody(c);
    const target = typeof body.digest === 'string' ? { digest: parseDigest(body.digest) } : { image: imageOf(body) };
    return c.json({ evicted: await cacheAdmin.evict(target) });
  });
  api.all('*', () => {
    throw new RegistryError('UNSUPPORTED', 'unknown admin API endpoint', { status: 404 });
  });
  return api;
}

async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new RegistryError('UNSUPPORTED', 'expected a JSON object body', { status: 400 });
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new RegistryError('UNSUPPORTED', 'expected a JSON object body', { status: 400 });
  return body as Record<string, unknown>;
}

function imageOf(body: Record<string, unknown>): string {
  if (typeof body.image !== 'string') throw new RegistryError('UNSUPPORTED', 'expected {"image": "<reference>"}', { status: 400 });
  return body.image;
}
