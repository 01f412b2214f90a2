// An upstream that sends what it should not (an oversized manifest, bytes that do not match the
// digest asked for, a body that is no manifest): the client gets 502 with an OCI error body and
// nothing is stored, so a later good answer is fetched and served.
import { access } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Digest } from '../../src/oci/digest.js';
import { MAX_MANIFEST_BYTES, OCI_MANIFEST, UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { StoreLayout } from '../../src/store/layout.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { fetchReply, firstError as firstErrorOf, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT } });

function firstError(reply: Reply): { code: string; message: string } {
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  return firstErrorOf(reply);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** A syntactically valid OCI manifest padded past the 4 MiB limit with an annotation. */
function oversizedManifest(): Buffer {
  const padding = 'x'.repeat(MAX_MANIFEST_BYTES);
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${'a'.repeat(64)}`, size: 2 },
      layers: [],
      annotations: { padding },
    }),
  );
}

describe('a misbehaving upstream', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let layout: StoreLayout;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    layout = new StoreLayout(mirror.dataDir);
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  async function stored(repository: string, digest: Digest): Promise<{ blob: boolean; link: boolean }> {
    return { blob: await exists(layout.blobPath(digest)), link: await exists(layout.linkPath('docker.io', repository, digest)) };
  }

  it('a manifest over 4 MiB by tag → 502 with an OCI body, nothing stored', async () => {
    const digest = hub.addManifest('library/huge', oversizedManifest(), OCI_MANIFEST, ['latest']);
    const reply = await get(`${mirror.url}/v2/huge/manifests/latest`);
    expect(reply.status).toBe(502);
    expect(firstError(reply)).toMatchObject({ code: 'UNAVAILABLE' });
    expect(firstError(reply).message).toContain('docker.io');
    expect(await stored('library/huge', digest)).toEqual({ blob: false, link: false });
  });

  it('a manifest over 4 MiB by digest → 502 with an OCI body, nothing stored', async () => {
    const digest = hub.addManifest('library/huge2', oversizedManifest(), OCI_MANIFEST);
    const reply = await get(`${mirror.url}/v2/huge2/manifests/${digest}`);
    expect(reply.status).toBe(502);
    expect(firstError(reply).code).toBe('UNAVAILABLE');
    expect(await stored('library/huge2', digest)).toEqual({ blob: false, link: false });
  });

  it('manifest bytes that do not match the requested digest → 502, nothing stored', async () => {
    const image = hub.addImage('library/corrupt', 'latest');
    hub.faults.add({ kind: 'corrupt', atByte: 10 }, { match: { server: 'registry', method: 'GET', path: /\/manifests\// }, times: 1 });
    const reply = await get(`${mirror.url}/v2/corrupt/manifests/latest`);
    expect(reply.status).toBe(502);
    expect(firstError(reply).code).toBe('UNAVAILABLE');
    expect(firstError(reply).message).toContain(image.manifest.digest);
    expect(await stored('library/corrupt', image.manifest.digest)).toEqual({ blob: false, link: false });
  });

  it('after a corrupt answer the next request fetches the manifest again and serves it', async () => {
    const image = hub.addImage('library/corrupt2', undefined);
    hub.faults.add({ kind: 'corrupt', atByte: 0 }, { match: { server: 'registry', method: 'GET', path: /\/manifests\// }, times: 1 });
    const url = `${mirror.url}/v2/corrupt2/manifests/${image.manifest.digest}`;
    expect((await get(url)).status).toBe(502);
    hub.log.clear();
    const reply = await get(url);
    expect(reply.status).toBe(200);
    expect(reply.body.equals(Buffer.from(image.manifest.bytes))).toBe(true);
    expect(hub.log.count({ server: 'registry', method: 'GET', path: /\/manifests\//, status: 200 })).toBe(1);
    expect(await stored('library/corrupt2', image.manifest.digest)).toEqual({ blob: true, link: true });
  });

  it('a body that is not a manifest → 502, nothing stored', async () => {
    const digest = hub.addManifest('library/garbage', Buffer.from('<html>not a manifest</html>'), OCI_MANIFEST, ['latest']);
    const reply = await get(`${mirror.url}/v2/garbage/manifests/latest`);
    expect(reply.status).toBe(502);
    expect(firstError(reply).code).toBe('UNAVAILABLE');
    expect(firstError(reply).message).toMatch(/invalid manifest/);
    expect(await stored('library/garbage', digest)).toEqual({ blob: false, link: false });
  });

  it('keeps serving good content afterwards', async () => {
    const image = hub.addImage('library/good', 'latest');
    const reply = await get(`${mirror.url}/v2/good/manifests/latest`);
    expect(reply.status).toBe(200);
    expect(reply.headers['docker-content-digest']).toBe(image.manifest.digest);
  });
});
