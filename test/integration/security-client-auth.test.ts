// Client auth (issue 8): with `auth.htpasswd`, every /v2 request needs Basic credentials of an
// htpasswd user (bcrypt). The answers the distribution registry gives: 401 UNAUTHORIZED with
// `WWW-Authenticate: Basic realm=…` for none or wrong ones; a verified login is cached so a pull
// costs one bcrypt run; failed logins are limited per client address (429 + Retry-After);
// /_lading/health stays open.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as bcrypt from 'bcryptjs';
import { Client, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

vi.mock('bcryptjs', { spy: true });

const USER = 'puller';
const PASSWORD = 'client-Pa55-7f3e';
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('client auth', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let workDir: string;
  let image: BuiltImage;

  function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return fetchReply(`${mirror.url}${path}`, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT, ...headers } });
  }

  function expectChallenge(reply: Reply, message: string): void {
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Basic realm="lading"');
    expect(reply.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(JSON.parse(reply.body.toString('utf8'))).toEqual({ errors: [{ code: 'UNAUTHORIZED', message, detail: null }] });
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'lading-client-auth-'));
    const htpasswdFile = join(workDir, 'htpasswd');
    await writeFile(htpasswdFile, `${USER}:${bcrypt.hashSync(PASSWORD, 4)}\nother:${bcrypt.hashSync('other-password', 4)}\n`);
    hub = await FakeUpstream.start();
    image = hub.addImage('library/alpine', 'latest', { layers: ['a\n', 'b\n', 'c\n', 'd\n', 'e\n'] });
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url }],
      auth: { htpasswdFile },
      // The test's own connections come from 127.0.0.1: trusting it lets X-Forwarded-For stand
      // for distinct clients in the rate-limit tests.
      trustProxy: ['127.0.0.1'],
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('GET /v2/ without credentials → 401 with a Basic challenge, as the distribution registry answers', async () => {
    expectChallenge(await get('/v2/'), 'authentication required');
  });

  it('every /v2 request needs credentials, nothing reaches upstream', async () => {
    hub.log.clear();
    expectChallenge(await get('/v2/alpine/manifests/latest'), 'authentication required');
    expectChallenge(await get(`/v2/alpine/blobs/${image.config.digest}`), 'authentication required');
    expectChallenge(await get('/v2/alpine/tags/list'), 'authentication required');
    expectChallenge(await get('/v2/_catalog'), 'authentication required');
    expect(hub.log.entries).toEqual([]);
  });

  it('a raw /v2 path that routing resolves elsewhere (/v2/../x) is challenged too', async () => {
    const client = new Client(mirror.url);
    try {
      const response = await client.request({ method: 'GET', path: '/v2/../_lading/stats' });
      await response.body.dump();
      expect(response.statusCode).toBe(401);
    } finally {
      await client.close();
    }
  });

  it('a wrong password, an unknown user, or a non-Basic scheme → 401', async () => {
    expectChallenge(await get('/v2/', { authorization: basic(USER, 'wrong'), 'x-forwarded-for': '192.0.2.1' }), 'invalid username or password');
    expectChallenge(await get('/v2/', { authorization: basic('nobody', PASSWORD), 'x-forwarded-for': '192.0.2.1' }), 'invalid username or password');
    expectChallenge(await get('/v2/', { authorization: 'Bearer abc' }), 'authentication required');
  });

  it('valid credentials → a whole pull works, with one bcrypt run for all its requests', async () => {
    vi.mocked(bcrypt.compare).mockClear();
    const authorization = basic(USER, PASSWORD);
    expect((await get('/v2/', { authorization })).status).toBe(200);
    const manifest = await get('/v2/alpine/manifests/latest', { authorization });
    expect(manifest.status).toBe(200);
    for (const blob of [image.config, ...image.layers]) {
      const reply = await get(`/v2/alpine/blobs/${blob.digest}`, { authorization });
      expect(reply.status).toBe(200);
      expect(reply.body.equals(Buffer.from(blob.bytes))).toBe(true);
    }
    expect(bcrypt.compare).toHaveBeenCalledTimes(1);
  });

  it('logs the client address and the user, never the password', async () => {
    const line = mirror.logLines.find((entry) => entry.msg === 'request' && entry.user === USER);
    expect(line?.client).toBe('127.0.0.1');
    expect(JSON.stringify(mirror.logLines)).not.toContain(PASSWORD);
  });

  it('/_lading/health stays open', async () => {
    expect((await get('/_lading/health')).status).toBe(200);
  });

  it('10 failed logins from one address → 429 TOOMANYREQUESTS with Retry-After, without a bcrypt run; other addresses and cached logins pass', async () => {
    const attacker = { 'x-forwarded-for': '198.51.100.66' };
    for (let i = 0; i < 10; i += 1) {
      expect((await get('/v2/', { ...attacker, authorization: basic(USER, `guess-${i}`) })).status).toBe(401);
    }
    vi.mocked(bcrypt.compare).mockClear();
    const limited = await get('/v2/', { ...attacker, authorization: basic(USER, 'guess-10') });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((JSON.parse(limited.body.toString('utf8')) as { errors: { code: string }[] }).errors[0]?.code).toBe('TOOMANYREQUESTS');
    expect(bcrypt.compare).not.toHaveBeenCalled();
    // Even the right password is refused from that address until the window ends, unless it was
    // verified before (the cache is checked first).
    expect((await get('/v2/', { ...attacker, authorization: basic('other', 'other-password') })).status).toBe(429);
    expect((await get('/v2/', { ...attacker, authorization: basic(USER, PASSWORD) })).status).toBe(200);
    expect((await get('/v2/', { 'x-forwarded-for': '198.51.100.67', authorization: basic('other', 'other-password') })).status).toBe(200);
    const limitedLine = mirror.logLines.find((entry) => entry.msg === 'request' && entry.status === 429);
    expect(limitedLine?.client).toBe('198.51.100.66');
  });
});
