// Tests of the fake upstream itself (test/support/fake-upstream/): lading's integration tests
// assert on its wire behaviour and request log, so that behaviour is pinned here. One file
// because every case shares the same started fakes; sections follow the fake's files.
import { gunzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestOf, type Digest } from '../../src/oci/digest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST, UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { buildImage, buildLayer, descriptorOf } from '../support/fake-upstream/image-builder.js';
import { fetchReply, type Reply } from '../support/http-reply.js';

function call(url: string, options: { method?: 'GET' | 'HEAD' | 'POST' | 'PUT'; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return fetchReply(url, { method: options.method ?? 'GET', headers: options.headers, body: options.body });
}

function json(reply: Reply): any {
  return JSON.parse(reply.body.toString('utf8'));
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

async function tokenFor(fake: FakeUpstream, repository: string, headers: Record<string, string> = {}): Promise<string> {
  const reply = await call(`${fake.tokenRealm}?service=fake-registry&scope=repository:${repository}:pull`, { headers });
  expect(reply.status).toBe(200);
  return json(reply).token as string;
}

describe('fake upstream: Hub-like bearer registry', () => {
  let hub: FakeUpstream;
  const bigLayer = new Uint8Array(200_000).map((_, i) => (Math.imul(i, 2654435761) >>> 24) & 0xff); // barely compressible
  let image: ReturnType<FakeUpstream['addImage']>;
  let auth: Record<string, string>;

  beforeAll(async () => {
    hub = await FakeUpstream.start({ credentials: { username: 'alice', password: 's3cret' } });
    image = hub.addImage('library/alpine', 'latest', { layers: [bigLayer] });
    hub.privateRepositories.add('alice/private');
    hub.addImage('alice/private', 'v1');
    auth = { authorization: `Bearer ${await tokenFor(hub, 'library/alpine')}` };
  });
  afterAll(() => hub.stop());

  it('challenges like Hub and serves a manifest with the anonymous token', async () => {
    const ping = await call(`${hub.url}/v2/`);
    expect(ping.status).toBe(401);
    expect(ping.headers['www-authenticate']).toBe(`Bearer realm="${hub.tokenRealm}",service="fake-registry"`);
    expect(json(ping)).toEqual({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required', detail: null }] });
    const path = `${hub.url}/v2/library/alpine/manifests/latest`;
    expect((await call(path)).headers['www-authenticate']).toBe(
      `Bearer realm="${hub.tokenRealm}",service="fake-registry",scope="repository:library/alpine:pull"`,
    );
    const tokenReply = json(await call(`${hub.tokenRealm}?service=fake-registry&scope=repository:library/alpine:pull`));
    expect(tokenReply).toMatchObject({ expires_in: 300, token: tokenReply.access_token });
    expect(Number.isNaN(Date.parse(tokenReply.issued_at))).toBe(false);
    const reply = await call(path, { headers: { authorization: `Bearer ${tokenReply.token}`, accept: UPSTREAM_MANIFEST_ACCEPT } });
    expect(reply.status).toBe(200);
    expect(reply.headers).toMatchObject({
      'content-type': OCI_MANIFEST,
      'content-length': String(image.manifest.size),
      'docker-content-digest': image.manifest.digest,
      etag: `"${image.manifest.digest}"`,
      'docker-distribution-api-version': 'registry/2.0',
    });
    expect(digestOf(reply.body)).toBe(image.manifest.digest);
    const head = await call(path, { method: 'HEAD', headers: { ...auth, accept: OCI_MANIFEST } });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(image.manifest.size), 0]);
  });

  it('checks credentials, supports the OAuth2 POST form and keeps private repositories private', async () => {
    const wrong = await call(`${hub.tokenRealm}?service=fake-registry&scope=repository:alice/private:pull`, {
      headers: { authorization: basic('alice', 'nope') },
    });
    expect(wrong.status).toBe(401);
    const anonymous = await tokenFor(hub, 'alice/private');
    const denied = await call(`${hub.url}/v2/alice/private/manifests/v1`, { headers: { authorization: `Bearer ${anonymous}` } });
    expect(denied.status).toBe(401);
    expect(denied.headers['www-authenticate']).toContain('error="insufficient_scope"');
    const withLogin = await tokenFor(hub, 'alice/private', { authorization: basic('alice', 's3cret') });
    expect((await call(`${hub.url}/v2/alice/private/manifests/v1`, { headers: { authorization: `Bearer ${withLogin}` } })).status).toBe(200);
    const form = 'grant_type=password&username=alice&password=s3cret&service=fake-registry&client_id=test&scope=repository%3Aalice%2Fprivate%3Apull';
    const posted = await call(hub.tokenRealm, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(posted.status).toBe(200);
    const postedToken = json(posted).access_token as string;
    expect((await call(`${hub.url}/v2/alice/private/tags/list`, { headers: { authorization: `Bearer ${postedToken}` } })).status).toBe(200);
    const badPost = await call(hub.tokenRealm, { method: 'POST', body: form.replace('s3cret', 'nope') });
    expect(badPost.status).toBe(401);
    const bogus = await call(`${hub.url}/v2/`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bogus.headers['www-authenticate']).toContain('error="invalid_token"');
    hub.tokenExpiresInSec = 0; // expired on arrival: no sleeping needed
    const expired = await tokenFor(hub, 'library/alpine');
    hub.tokenExpiresInSec = 300;
    const stale = await call(`${hub.url}/v2/library/alpine/tags/list`, { headers: { authorization: `Bearer ${expired}` } });
    expect([stale.status, stale.headers['www-authenticate']]).toEqual([
      401,
      `Bearer realm="${hub.tokenRealm}",service="fake-registry",scope="repository:library/alpine:pull",error="invalid_token"`,
    ]);
  });

  it('redirects blobs to the cdn, which serves ranges and rejects Authorization', async () => {
    const layer = image.layers[0]!;
    const redirect = await call(`${hub.url}/v2/library/alpine/blobs/${layer.digest}`, { headers: auth });
    expect(redirect.status).toBe(307);
    expect(redirect.headers['docker-content-digest']).toBe(layer.digest);
    const location = redirect.headers.location as string;
    expect(location.startsWith(`${hub.cdnUrl}/blobs/${layer.digest}?verify=`)).toBe(true);
    const full = await call(location);
    expect([full.status, full.headers['content-length'], digestOf(full.body)]).toEqual([200, String(layer.size), layer.digest]);
    const forwarded = await call(location, { headers: auth });
    expect(forwarded.status).toBe(400);
    expect(forwarded.body.toString()).toContain('<Code>InvalidArgument</Code><Message>Only one auth mechanism allowed');
    const cases: Array<[string, number, string | undefined, Buffer]> = [
      ['bytes=10-19', 206, `bytes 10-19/${layer.size}`, Buffer.from(layer.bytes.subarray(10, 20))],
      [`bytes=${layer.size - 5}-`, 206, `bytes ${layer.size - 5}-${layer.size - 1}/${layer.size}`, Buffer.from(layer.bytes.subarray(-5))],
      ['bytes=-3', 206, `bytes ${layer.size - 3}-${layer.size - 1}/${layer.size}`, Buffer.from(layer.bytes.subarray(-3))],
      [`bytes=${layer.size}-`, 416, `bytes */${layer.size}`, Buffer.alloc(0)],
    ];
    for (const [range, status, contentRange, body] of cases) {
      const reply = await call(location, { headers: { range } });
      expect([range, reply.status, reply.headers['content-range'], reply.body]).toEqual([range, status, contentRange, body]);
      expect(reply.headers['content-length']).toBe(String(body.length));
    }
    const head = await call(location, { method: 'HEAD' });
    expect([head.status, head.headers['content-length'], head.body.length]).toEqual([200, String(layer.size), 0]);
    expect((await call(`${hub.cdnUrl}/blobs/${layer.digest}?verify=made-up`)).status).toBe(403);
  });

  it('negotiates Accept like Hub', async () => {
    const amd64 = hub.addImage('library/multi', undefined, { format: 'docker' });
    const arm64 = hub.addImage('library/multi', undefined, { format: 'docker', platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } });
    const list = hub.addIndex('library/multi', 'latest', [arm64, amd64], { format: 'docker' });
    const oci = hub.addIndex('library/multi', 'oci', [hub.addImage('library/multi', undefined)]);
    const headers = { authorization: `Bearer ${await tokenFor(hub, 'library/multi')}` };
    const get = (reference: string, accept?: string) =>
      call(`${hub.url}/v2/library/multi/manifests/${reference}`, { headers: accept === undefined ? headers : { ...headers, accept } });
    const fullList = await get('latest', `${DOCKER_MANIFEST}, ${DOCKER_MANIFEST_LIST}`);
    expect([fullList.headers['content-type'], fullList.headers['docker-content-digest']]).toEqual([DOCKER_MANIFEST_LIST, list.manifest.digest]);
    const child = await get('latest', DOCKER_MANIFEST);
    expect([child.headers['content-type'], child.headers['docker-content-digest']]).toEqual([DOCKER_MANIFEST, amd64.manifest.digest]);
    expect(digestOf(child.body)).toBe(amd64.manifest.digest);
    expect((await get(list.manifest.digest, DOCKER_MANIFEST)).headers['docker-content-digest']).toBe(list.manifest.digest);
    const noOciIndex = await get('oci', `${DOCKER_MANIFEST}, ${DOCKER_MANIFEST_LIST}`);
    expect(noOciIndex.status).toBe(404);
    expect(json(noOciIndex).errors[0]).toMatchObject({ code: 'MANIFEST_UNKNOWN', message: 'OCI index found, but accept header does not support OCI indexes' });
    const noOciManifest = await call(`${hub.url}/v2/library/alpine/manifests/latest`, { headers: { ...auth, accept: DOCKER_MANIFEST } });
    expect(json(noOciManifest).errors[0].message).toBe('OCI manifest found, but accept header does not support OCI manifests');
    expect((await get('oci', `${OCI_MANIFEST}`)).status).toBe(404);
    expect((await get('oci')).headers['content-type']).toBe(OCI_INDEX); // no Accept: everything
    expect((await get('oci', `${DOCKER_MANIFEST}, ${OCI_INDEX};q=0.5`)).status).toBe(200);
    expect((await get(amd64.manifest.digest, OCI_MANIFEST)).status).toBe(200); // v2s2 whatever the Accept
    expect(json(await get('missing')).errors[0].code).toBe('MANIFEST_UNKNOWN');
  });

  it('lists tags with pagination and answers OCI errors', async () => {
    for (const tag of ['b', 'a', 'd', 'c']) hub.setTag('library/alpine', tag, image.manifest.digest);
    const list = (query: string) => call(`${hub.url}/v2/library/alpine/tags/list${query}`, { headers: auth });
    expect(json(await list(''))).toEqual({ name: 'library/alpine', tags: ['a', 'b', 'c', 'd', 'latest'] });
    const first = await list('?n=2');
    expect(json(first).tags).toEqual(['a', 'b']);
    expect(first.headers.link).toBe('</v2/library/alpine/tags/list?last=b&n=2>; rel="next"');
    const last = await list('?n=2&last=d');
    expect([json(last).tags, last.headers.link]).toEqual([['latest'], undefined]);
    hub.deleteTag('library/alpine', 'd');
    expect(json(await list('?last=c')).tags).toEqual(['latest']);
    const missingRepo = await call(`${hub.url}/v2/library/nothing/tags/list`, { headers: { authorization: `Bearer ${await tokenFor(hub, 'library/nothing')}` } });
    expect([missingRepo.status, missingRepo.headers['content-type'], json(missingRepo).errors[0].code]).toEqual([404, 'application/json', 'NAME_UNKNOWN']);
    const missingBlob = await call(`${hub.url}/v2/library/alpine/blobs/${digestOf(Buffer.from('x'))}`, { headers: auth });
    expect([missingBlob.status, json(missingBlob).errors[0].code]).toEqual([404, 'BLOB_UNKNOWN']);
    const push = await call(`${hub.url}/v2/library/alpine/manifests/latest`, { method: 'PUT', headers: auth, body: '{}' });
    expect([push.status, json(push).errors[0].code]).toEqual([405, 'UNSUPPORTED']);
  });

  it('serves referrers with an artifactType filter, for multi-component names', async () => {
    const name = 'team/sub/manifests';
    const subject = hub.addImage(name, 'v1');
    const sbom = hub.addImage(name, undefined, { subject: descriptorOf(subject.manifest), artifactType: 'application/spdx+json', annotations: { kind: 'sbom' } });
    const sig = hub.addImage(name, undefined, { subject: descriptorOf(subject.manifest) });
    const headers = { authorization: `Bearer ${await tokenFor(hub, name)}` };
    const all = await call(`${hub.url}/v2/${name}/referrers/${subject.manifest.digest}`, { headers });
    expect(all.headers['content-type']).toBe(OCI_INDEX);
    const descriptors = json(all).manifests as Array<{ digest: string; artifactType: string; annotations?: unknown }>;
    expect(descriptors.map((d) => d.digest).sort()).toEqual([sbom.manifest.digest, sig.manifest.digest].sort());
    expect(descriptors.find((d) => d.digest === sig.manifest.digest)?.artifactType).toBe('application/vnd.oci.image.config.v1+json');
    const filtered = await call(`${hub.url}/v2/${name}/referrers/${subject.manifest.digest}?artifactType=${encodeURIComponent('application/spdx+json')}`, { headers });
    expect(filtered.headers['oci-filters-applied']).toBe('artifactType');
    expect(json(filtered).manifests).toEqual([
      { mediaType: OCI_MANIFEST, digest: sbom.manifest.digest, size: sbom.manifest.size, artifactType: 'application/spdx+json', annotations: { kind: 'sbom' } },
    ]);
    expect((await call(`${hub.url}/v2/${name}/manifests/v1`, { headers })).status).toBe(200);
  });

  it('logs requests and waits for them without sleeping', async () => {
    hub.log.clear();
    const waiting = hub.log.waitFor({ server: 'registry', path: /\/tags\/list$/, status: 200 }, 2, 5_000);
    await call(`${hub.url}/v2/library/alpine/tags/list?n=1`, { headers: auth });
    await call(`${hub.url}/v2/library/alpine/tags/list`, { headers: auth });
    await waiting;
    const [entry] = hub.log.entries;
    expect(entry).toMatchObject({ server: 'registry', method: 'GET', path: '/v2/library/alpine/tags/list', query: { n: ['1'] }, status: 200 });
    expect(entry?.headers.authorization).toBe(auth.authorization);
    expect(entry!.bodyBytesSent).toBeGreaterThan(0);
    expect(hub.log.count({ method: 'GET' })).toBe(2);
    await expect(hub.log.waitFor({ server: 'cdn' }, 1, 50)).rejects.toThrow(/waited 50 ms/);
  });
});

describe('fake upstream: faults, lifecycle, other auth modes', () => {
  let fake: FakeUpstream;
  const blobBytes = new Uint8Array(100_000).map((_, i) => i % 256);
  let blobDigest: Digest;
  let blobUrl: string;

  beforeAll(async () => {
    fake = await FakeUpstream.start({ auth: 'none', redirectBlobsToCdn: false, rateLimit: { limit: 100, remaining: 2 }, referrersApi: false });
    blobDigest = fake.addBlob('library/data', blobBytes);
    fake.addImage('library/data', 'latest');
    blobUrl = `${fake.url}/v2/library/data/blobs/${blobDigest}`;
  });
  afterAll(() => fake.stop());

  it('injects status faults for a count, scoped by matcher', async () => {
    fake.faults.add({ kind: 'status', status: 429, headers: { 'retry-after': '7' } }, { match: { path: /\/blobs\// }, times: 1 });
    const limited = await call(blobUrl);
    expect([limited.status, limited.headers['retry-after'], json(limited).errors[0].code]).toEqual([429, '7', 'TOOMANYREQUESTS']);
    expect((await call(blobUrl)).status).toBe(200);
    fake.faults.add({ kind: 'status', status: 503, body: 'down' }, { match: { server: 'registry', method: 'HEAD' } });
    expect((await call(blobUrl, { method: 'HEAD' })).status).toBe(503);
    expect((await call(`${fake.url}/v2/`, { method: 'HEAD' })).status).toBe(503);
    fake.faults.clear();
    expect((await call(blobUrl, { method: 'HEAD' })).status).toBe(200);
  });

  it('cuts, corrupts, throttles and delays bodies', async () => {
    fake.log.clear();
    fake.faults.add({ kind: 'cut', afterBytes: 1000 }, { times: 1 });
    const cut = await request(blobUrl);
    expect(cut.headers['content-length']).toBe(String(blobBytes.length));
    await expect(cut.body.arrayBuffer()).rejects.toThrow();
    await fake.log.waitFor({ path: /\/blobs\// }, 1, 5_000);
    expect(fake.log.entries[0]).toMatchObject({ status: 200, bodyBytesSent: 1000 });

    fake.faults.add({ kind: 'cut', afterBytes: 0 }, { times: 1 });
    const headersOnly = await request(blobUrl);
    expect(headersOnly.statusCode).toBe(200);
    await expect(headersOnly.body.arrayBuffer()).rejects.toThrow();
    await fake.log.waitFor({ path: /\/blobs\//, status: 200 }, 2, 5_000);
    expect(fake.log.entries[1]).toMatchObject({ bodyBytesSent: 0 });

    fake.faults.add({ kind: 'corrupt', atByte: 5 }, { times: 1 });
    const corrupt = await call(blobUrl);
    expect(corrupt.body.length).toBe(blobBytes.length);
    expect(corrupt.body[5]).toBe(blobBytes[5]! ^ 0xff);
    expect(digestOf(corrupt.body)).not.toBe(blobDigest);

    fake.faults.add({ kind: 'delay', ms: 20 }, { times: 1 });
    fake.faults.add({ kind: 'throttle', bytesPerSecond: 400_000 }, { times: 1 });
    const slow = await call(blobUrl);
    expect(digestOf(slow.body)).toBe(blobDigest);
    expect((await call(blobUrl)).status).toBe(200); // both faults used up
    expect(fake.log.count({ path: /\/blobs\//, status: 200 })).toBe(5);
  });

  it('pauses mid-body until the gate opens', async () => {
    fake.log.clear();
    let open!: () => void;
    fake.faults.add({ kind: 'pause', afterBytes: 4096, gate: new Promise<void>((resolve) => (open = resolve)) }, { times: 1 });
    const response = await request(blobUrl);
    const chunks: Buffer[] = [];
    let received = 0;
    let receivedAtGate = 0;
    for await (const chunk of response.body) {
      chunks.push(chunk as Buffer);
      received += (chunk as Buffer).length;
      if (receivedAtGate === 0 && received >= 4096) {
        receivedAtGate = received;
        expect(fake.log.count({ path: /\/blobs\// })).toBe(0); // still mid-response
        open();
      }
    }
    expect(receivedAtGate).toBe(4096); // nothing beyond the pause point before the gate opened
    expect(digestOf(Buffer.concat(chunks))).toBe(blobDigest);
    await fake.log.waitFor({ path: /\/blobs\// }, 1, 5_000);
  });

  it('hangs until the client gives up, and logs status 0', async () => {
    fake.log.clear();
    fake.faults.add({ kind: 'hang' }, { match: { path: /^\/v2\/$/ }, times: 1 });
    await expect(request(`${fake.url}/v2/`, { headersTimeout: 200 })).rejects.toThrow();
    await fake.log.waitFor({ path: /^\/v2\/$/, status: 0 }, 1, 5_000);
  });

  it('applies Hub rate limits to manifest GETs only', async () => {
    const path = `${fake.url}/v2/library/data/manifests/latest`;
    const head = await call(path, { method: 'HEAD' });
    expect([head.headers['ratelimit-limit'], head.headers['ratelimit-remaining']]).toEqual(['100;w=21600', '2;w=21600']);
    expect((await call(path)).headers['ratelimit-remaining']).toBe('1;w=21600');
    expect((await call(path)).headers['ratelimit-remaining']).toBe('0;w=21600');
    const limited = await call(path);
    expect([limited.status, json(limited).errors[0].code, limited.headers['retry-after']]).toEqual([429, 'TOOMANYREQUESTS', '3600']);
    expect(json(limited).errors[0].message).toContain('You have reached your pull rate limit');
    expect((await call(path, { method: 'HEAD' })).status).toBe(200);
    fake.rateLimit = undefined;
  });

  it('serves ranges itself without the cdn, and 404s referrers like an old registry', async () => {
    const partial = await call(blobUrl, { headers: { range: 'bytes=0-9' } });
    expect([partial.status, partial.headers['content-range'], partial.body.length]).toEqual([206, `bytes 0-9/${blobBytes.length}`, 10]);
    expect(partial.headers['docker-content-digest']).toBe(blobDigest);
    expect((await call(`${fake.url}/v2/library/data/referrers/${blobDigest}`)).status).toBe(404);
  });

  it('goes down (ECONNREFUSED) and comes back on the same port', async () => {
    const url = fake.url;
    await fake.down();
    // A fresh agent: a pooled keep-alive socket would fail with "other side closed" instead.
    const fresh = new Agent();
    await expect(request(`${url}/v2/`, { dispatcher: fresh })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await fresh.close();
    await fake.up();
    expect(fake.url).toBe(url);
    expect((await call(`${url}/v2/`)).status).toBe(200);
  });
});

describe('fake upstream: basic auth, required credentials, expiry', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await FakeUpstream.start({ auth: 'basic', credentials: { username: 'bob', password: 'pw' }, requireCredentials: true });
    fake.addImage('bob/app', 'v1');
  });
  afterAll(() => fake.stop());

  it('uses a Basic challenge and checks the login', async () => {
    const missing = await call(`${fake.url}/v2/bob/app/manifests/v1`);
    expect([missing.status, missing.headers['www-authenticate']]).toEqual([401, 'Basic realm="fake-registry"']);
    expect((await call(`${fake.url}/v2/bob/app/manifests/v1`, { headers: { authorization: basic('bob', 'bad') } })).status).toBe(401);
    expect((await call(`${fake.url}/v2/bob/app/manifests/v1`, { headers: { authorization: basic('bob', 'pw') } })).status).toBe(200);
  });

  it('refuses anonymous tokens and faults the token server only when asked', async () => {
    expect((await call(`${fake.tokenRealm}?service=fake-registry&scope=repository:bob/app:pull`)).status).toBe(401);
    fake.faults.add({ kind: 'status', status: 500 }); // unscoped: registry and cdn only
    const withLogin = await call(`${fake.tokenRealm}?scope=repository:bob/app:pull`, { headers: { authorization: basic('bob', 'pw') } });
    expect([withLogin.status, json(withLogin).expires_in]).toEqual([200, 300]);
    fake.faults.clear();
    fake.faults.add({ kind: 'status', status: 503 }, { match: { server: 'auth' }, times: 1 });
    expect((await call(fake.tokenRealm)).status).toBe(503);
    fake.faults.clear();
  });
});

describe('fake upstream: image builder', () => {
  it('builds deterministic gzip tar layers and configs with matching diff_ids', () => {
    const layer = buildLayer({ 'hello.txt': 'hi\n' });
    expect(buildLayer({ 'hello.txt': 'hi\n' }).digest).toBe(layer.digest);
    const tar = gunzipSync(layer.bytes);
    expect(tar.length % 512).toBe(0);
    expect(tar.subarray(0, 9).toString()).toBe('hello.txt');
    expect(tar.subarray(257, 262).toString()).toBe('ustar');
    expect(tar.subarray(512, 515).toString()).toBe('hi\n');
    expect(digestOf(tar)).toBe(layer.diffId);
    const image = buildImage({ layers: ['hi\n'], format: 'docker', platform: { os: 'linux', architecture: 'arm64' } });
    const config = JSON.parse(Buffer.from(image.config.bytes).toString());
    expect(config).toMatchObject({ architecture: 'arm64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] }, config: { Cmd: ['/hello'] } });
    expect(JSON.parse(Buffer.from(image.manifest.bytes).toString()).layers[0]).toMatchObject({
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      size: image.layers[0]!.size,
    });
    expect(buildImage({ layers: ['hi\n'], format: 'docker', platform: { os: 'linux', architecture: 'arm64' } }).manifest.digest).toBe(image.manifest.digest);
  });
});
