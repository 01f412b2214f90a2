// Upstream access control: anonymous tokens that lack access give 403 DENIED naming the
// upstream and repository; configured credentials make private pulls work, reach only the
// registry and its token realm (never the CDN, PROTOCOL.md §4.3), and never appear in logs or
// error bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { BuiltImage } from '../support/fake-upstream/image-builder.js';
import { fetchReply, firstError, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

describe('a private repository pulled anonymously', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let image: BuiltImage;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    hub.privateRepositories.add('acme/secret');
    image = hub.addImage('acme/secret', 'v1');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('a manifest → 403 DENIED naming the upstream and the repository', async () => {
    const reply = await get(`${mirror.url}/v2/acme/secret/manifests/v1`);
    expect(reply.status).toBe(403);
    const error = firstError(reply);
    expect(error.code).toBe('DENIED');
    expect(error.message).toContain('docker.io');
    expect(error.message).toContain('acme/secret');
  });

  it('a blob → 403 DENIED', async () => {
    const reply = await get(`${mirror.url}/v2/acme/secret/blobs/${image.config.digest}`);
    expect(reply.status).toBe(403);
    expect(firstError(reply).code).toBe('DENIED');
    expect(hub.log.count({ server: 'cdn' })).toBe(0);
  });
});

describe('an upstream that requires credentials', () => {
  const USERNAME = 'mirror-bot';
  const PASSWORD = 'pa55-Upstream-Secret-8d1c';
  const BASIC = Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64');
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let image: BuiltImage;
  const errorBodies: string[] = [];

  beforeAll(async () => {
    hub = await FakeUpstream.start({ credentials: { username: USERNAME, password: PASSWORD }, requireCredentials: true });
    hub.privateRepositories.add('acme/private');
    image = hub.addImage('acme/private', 'v1', { layers: ['private layer one\n', 'private layer two\n'] });
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url, username: USERNAME, password: PASSWORD }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('a configured username and password make the pull work', async () => {
    const manifest = await get(`${mirror.url}/v2/acme/private/manifests/v1`);
    expect(manifest.status).toBe(200);
    expect(manifest.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    for (const blob of [image.config, ...image.layers]) {
      const reply = await get(`${mirror.url}/v2/acme/private/blobs/${blob.digest}`);
      expect(reply.status).toBe(200);
      expect(reply.body.equals(Buffer.from(blob.bytes))).toBe(true);
    }
    const tokenRequests = hub.log.entries.filter((entry) => entry.server === 'auth');
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(tokenRequests.every((entry) => entry.status === 200 && entry.headers.authorization === `Basic ${BASIC}`)).toBe(true);
  });

  it('the cdn never sees an Authorization header', async () => {
    const cdn = hub.log.entries.filter((entry) => entry.server === 'cdn');
    expect(cdn.length).toBe(1 + image.layers.length);
    expect(cdn.every((entry) => entry.headers.authorization === undefined && entry.status === 200)).toBe(true);
  });

  it('the registry gets bearer tokens, never the password', async () => {
    const registry = hub.log.entries.filter((entry) => entry.server === 'registry' && entry.headers.authorization !== undefined);
    expect(registry.length).toBeGreaterThan(0);
    expect(registry.every((entry) => /^Bearer /.test(String(entry.headers.authorization)))).toBe(true);
  });

  it('error bodies never contain the password', async () => {
    const replies = [
      await get(`${mirror.url}/v2/acme/private/manifests/nosuchtag`),
      await get(`${mirror.url}/v2/acme/private/blobs/sha256:${'0'.repeat(64)}`),
      await get(`${mirror.url}/v2/acme/nothere/manifests/v1`),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(404);
      errorBodies.push(reply.body.toString('utf8'));
    }
    for (const body of errorBodies) {
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain(BASIC);
    }
  });

  it('a wrong password → 403 DENIED whose body does not contain it', async () => {
    const wrongPassword = 'Wrong-Secret-Value-77e2';
    const wrong = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url, username: USERNAME, password: wrongPassword }] });
    try {
      const reply = await get(`${wrong.url}/v2/acme/private/manifests/v1`);
      expect(reply.status).toBe(403);
      expect(firstError(reply).code).toBe('DENIED');
      expect(reply.body.toString('utf8')).not.toContain(wrongPassword);
      expect(JSON.stringify(wrong.logLines)).not.toContain(wrongPassword);
    } finally {
      await wrong.close();
    }
  });

  it('the password never appears in the log lines', async () => {
    expect(mirror.logLines.length).toBeGreaterThan(0);
    const logged = JSON.stringify(mirror.logLines);
    expect(logged).not.toContain(PASSWORD);
    expect(logged).not.toContain(BASIC);
  });
});

describe('a registry that wants HTTP Basic credentials itself', () => {
  const USERNAME = 'basic-bot';
  const PASSWORD = 'Basic-Only-Secret-41f0';
  const BASIC = Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64');
  let hub: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    hub = await FakeUpstream.start({ auth: 'basic', credentials: { username: USERNAME, password: PASSWORD } });
    mirror = await startTestMirror({ upstreams: [{ name: 'registry.internal', url: hub.url, username: USERNAME, password: PASSWORD }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('pulls with Basic to the registry only: never to the cdn, never in the log', async () => {
    const image = hub.addImage('team/tool', 'v1');
    const manifest = await get(`${mirror.url}/v2/team/tool/manifests/v1`);
    expect(manifest.status).toBe(200);
    const layer = await get(`${mirror.url}/v2/team/tool/blobs/${image.layers[0]!.digest}`);
    expect(layer.status).toBe(200);
    expect(layer.body.equals(Buffer.from(image.layers[0]!.bytes))).toBe(true);
    const authorized = hub.log.entries.filter((entry) => entry.server === 'registry' && entry.status === 200);
    expect(authorized.every((entry) => entry.headers.authorization === `Basic ${BASIC}`)).toBe(true);
    expect(hub.log.entries.filter((entry) => entry.server === 'cdn').every((entry) => entry.headers.authorization === undefined)).toBe(true);
    expect(hub.log.count({ server: 'cdn', status: 200 })).toBe(1);
    expect(JSON.stringify(mirror.logLines)).not.toContain(PASSWORD);
    expect(JSON.stringify(mirror.logLines)).not.toContain(BASIC);
  });
});
