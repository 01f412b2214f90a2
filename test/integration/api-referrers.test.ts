// Referrers (PROTOCOL.md §5.4): the upstream's API answer passed through (with the
// artifactType filter and OCI-Filters-Applied); an upstream without the API → its
// `sha256-<hex>` fallback tag; neither → an empty OCI index, never 404; invalid digest → 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestHex } from '../../src/oci/digest.js';
import { OCI_INDEX } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { descriptorOf, type BuiltImage } from '../support/fake-upstream/image-builder.js';
import { fetchReply, type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

interface Index {
  schemaVersion: number;
  mediaType: string;
  manifests: { digest: string; artifactType?: string }[];
}

const get = (url: string): Promise<Reply> => fetchReply(url, { headers: { accept: OCI_INDEX } });

function json<T>(reply: Reply): T {
  return JSON.parse(reply.body.toString('utf8')) as T;
}

const SBOM = 'application/spdx+json';
const SIGNATURE = 'application/vnd.dev.cosign.artifact.sig.v1+json';

/** A subject image and two referrers of different artifact types in `repository`. */
function pushWithReferrers(hub: FakeUpstream, repository: string): { subject: BuiltImage; sbom: BuiltImage; signature: BuiltImage } {
  const subject = hub.addImage(repository, 'v1', { layers: ['subject\n'] });
  const sbom = hub.addImage(repository, undefined, { layers: ['{"spdx":1}'], artifactType: SBOM, subject: descriptorOf(subject.manifest) });
  const signature = hub.addImage(repository, undefined, { layers: ['sig'], artifactType: SIGNATURE, subject: descriptorOf(subject.manifest) });
  return { subject, sbom, signature };
}

describe('referrers from an upstream with the referrers API', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let images: ReturnType<typeof pushWithReferrers>;

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    images = pushWithReferrers(hub, 'library/app');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('passes the upstream answer through as an OCI index', async () => {
    const reply = await get(`${mirror.url}/v2/app/referrers/${images.subject.manifest.digest}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(OCI_INDEX);
    expect(reply.headers['oci-filters-applied']).toBeUndefined();
    const index = json<Index>(reply);
    expect(index).toMatchObject({ schemaVersion: 2, mediaType: OCI_INDEX });
    expect(index.manifests.map((m) => [m.digest, m.artifactType]).sort()).toEqual(
      [
        [images.sbom.manifest.digest, SBOM],
        [images.signature.manifest.digest, SIGNATURE],
      ].sort(),
    );
    expect(hub.log.count({ server: 'registry', method: 'GET', path: new RegExp(`^/v2/library/app/referrers/${images.subject.manifest.digest}$`), status: 200 })).toBe(1);
  });

  it('an artifactType filter is passed upstream and reported with OCI-Filters-Applied', async () => {
    const reply = await get(`${mirror.url}/v2/app/referrers/${images.subject.manifest.digest}?artifactType=${encodeURIComponent(SBOM)}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['oci-filters-applied']).toBe('artifactType');
    expect(json<Index>(reply).manifests.map((m) => m.digest)).toEqual([images.sbom.manifest.digest]);
    const upstream = hub.log.entries.filter((entry) => entry.path.includes('/referrers/') && entry.status === 200).at(-1);
    expect(upstream?.query.artifactType).toEqual([SBOM]);
  });

  it('a subject without referrers → 200 with an empty index', async () => {
    const reply = await get(`${mirror.url}/v2/app/referrers/${images.sbom.manifest.digest}`);
    expect(reply.status).toBe(200);
    expect(json<Index>(reply).manifests).toEqual([]);
  });

  it('an invalid digest → 400 DIGEST_INVALID without asking upstream', async () => {
    hub.log.clear();
    const reply = await get(`${mirror.url}/v2/app/referrers/sha256:notahexdigest`);
    expect(reply.status).toBe(400);
    expect(json<{ errors: { code: string }[] }>(reply).errors[0]?.code).toBe('DIGEST_INVALID');
    expect(hub.log.entries).toEqual([]);
  });
});

describe('referrers from an upstream without the referrers API', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let images: ReturnType<typeof pushWithReferrers>;
  let fallbackBytes: Buffer;

  beforeAll(async () => {
    hub = await FakeUpstream.start({ referrersApi: false });
    images = pushWithReferrers(hub, 'library/app');
    // What a client that pushes referrers writes for an old registry: an index tagged sha256-<hex>.
    fallbackBytes = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          { ...descriptorOf(images.sbom.manifest), artifactType: SBOM },
          { ...descriptorOf(images.signature.manifest), artifactType: SIGNATURE },
        ],
      }),
    );
    hub.addManifest('library/app', fallbackBytes, OCI_INDEX, [`sha256-${digestHex(images.subject.manifest.digest)}`]);
    hub.addImage('library/bare', 'v1');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
  });

  it('serves the sha256-<hex> fallback tag’s index', async () => {
    const reply = await get(`${mirror.url}/v2/app/referrers/${images.subject.manifest.digest}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(OCI_INDEX);
    expect(reply.body.equals(fallbackBytes)).toBe(true);
    expect(hub.log.count({ server: 'registry', path: /\/referrers\//, status: 404 })).toBeGreaterThan(0);
    expect(hub.log.count({ server: 'registry', path: new RegExp(`/manifests/sha256-${digestHex(images.subject.manifest.digest)}$`), status: 200 })).toBeGreaterThan(0);
  });

  it('filters the fallback index by artifactType and says so', async () => {
    const reply = await get(`${mirror.url}/v2/app/referrers/${images.subject.manifest.digest}?artifactType=${encodeURIComponent(SIGNATURE)}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['oci-filters-applied']).toBe('artifactType');
    expect(json<Index>(reply).manifests.map((m) => m.digest)).toEqual([images.signature.manifest.digest]);
  });

  it('with neither the API nor a fallback tag → 200 with an empty OCI index, never 404', async () => {
    const bare = `sha256:${'b'.repeat(64)}`;
    const reply = await get(`${mirror.url}/v2/bare/referrers/${bare}`);
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toBe(OCI_INDEX);
    expect(json<Index>(reply)).toEqual({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] });
  });

  it('an invalid digest → 400 DIGEST_INVALID', async () => {
    const reply = await get(`${mirror.url}/v2/app/referrers/md5:d41d8cd98f00b204e9800998ecf8427e`);
    expect(reply.status).toBe(400);
    expect(json<{ errors: { code: string }[] }>(reply).errors[0]?.code).toBe('DIGEST_INVALID');
  });
});
