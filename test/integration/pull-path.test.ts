import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { createHash } from 'node:crypto';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const ALL_TYPES = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
].join(', ');

describe('pull path through a Hub-like upstream', () => {
  let upstream: FakeUpstream;
  let mirror: TestMirror;

  beforeAll(async () => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: upstream.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await upstream?.stop();
  });

  it('pulls an image by tag: manifest then blobs, verified, with token auth and CDN redirect', async () => {
    const image = upstream.addImage('library/alpine', 'latest', { layers: [Buffer.from('layer-one'), Buffer.from('layer-two')] });
    const res = await request(`${mirror.url}/v2/alpine/manifests/latest`, { headers: { accept: ALL_TYPES } });
    const body = Buffer.from(await res.body.arrayBuffer());
    expect(res.statusCode).toBe(200);
    expect(res.headers['docker-content-digest']).toBe(image.manifest.digest);
    expect(res.headers['x-lading-cache']).toBe('miss');
    expect(`sha256:${createHash('sha256').update(body).digest('hex')}`).toBe(image.manifest.digest);
    for (const blob of [image.config, ...image.layers]) {
      const b = await request(`${mirror.url}/v2/alpine/blobs/${blob.digest}`);
      const bytes = Buffer.from(await b.body.arrayBuffer());
      expect(b.statusCode).toBe(200);
      expect(bytes.equals(Buffer.from(blob.bytes))).toBe(true);
    }
    const cdn = upstream.log.entries.filter((e) => e.server === 'cdn');
    expect(cdn.length).toBe(3);
    expect(cdn.every((e) => e.headers.authorization === undefined)).toBe(true);
  });
});
