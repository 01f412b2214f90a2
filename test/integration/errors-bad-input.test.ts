// Bad input is refused by the spec grammar before any I/O (STYLE.md habit 3, PROTOCOL.md §5.5),
// each with its exact status and OCI code, nothing reaches upstream, and the server keeps
// serving. Requests go through a bare undici Client so the raw path is sent as written (undici's
// `request(url, { path })` would resolve `..` and `%2e%2e` before sending).
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { type Reply } from '../support/http-reply.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const HEX = 'a'.repeat(64);

describe('bad input', () => {
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let client: Client;

  async function raw(path: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Reply> {
    const response = await client.request({ method, path });
    return { status: response.statusCode, headers: response.headers, body: Buffer.from(await response.body.arrayBuffer()) };
  }

  /** Asserts the status, the OCI body's code, and that nothing was asked of the upstream. */
  async function expectRefused(path: string, status: number, code: string): Promise<Reply> {
    hub.log.clear();
    const reply = await raw(path);
    expect(reply.status).toBe(status);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(reply.body.toString('utf8')) as { errors: { code: string; message: string }[] };
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]?.code).toBe(code);
    expect(typeof body.errors[0]?.message).toBe('string');
    expect(hub.log.entries).toEqual([]);
    return reply;
  }

  beforeAll(async () => {
    hub = await FakeUpstream.start();
    hub.addImage('library/alpine', 'latest');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    client = new Client(mirror.url);
  });
  afterAll(async () => {
    await client?.close();
    await mirror?.close();
    await hub?.stop();
  });

  it('an uppercase repository name → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/Alpine/manifests/latest', 400, 'NAME_INVALID');
  });

  it('.. inside the name → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/alpine/../secret/manifests/latest', 400, 'NAME_INVALID');
  });

  it('.. right after /v2/ → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/../etc/manifests/latest', 400, 'NAME_INVALID');
  });

  it('%2e%2e inside the name → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/alpine/%2e%2e/secret/manifests/latest', 400, 'NAME_INVALID');
  });

  it('%2e%2e right after /v2/ → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/%2e%2e/%2e%2e/etc/manifests/latest', 400, 'NAME_INVALID');
  });

  it('an encoded slash %2F in the name → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/library%2Falpine/manifests/latest', 400, 'NAME_INVALID');
  });

  it('an empty path component → 400 NAME_INVALID', async () => {
    await expectRefused('/v2/library//alpine/manifests/latest', 400, 'NAME_INVALID');
  });

  it('a 300-character name → 400 NAME_INVALID', async () => {
    await expectRefused(`/v2/${'a'.repeat(300)}/manifests/latest`, 400, 'NAME_INVALID');
  });

  it('an invalid tag → 404 MANIFEST_UNKNOWN', async () => {
    await expectRefused('/v2/alpine/manifests/.INVALID_MANIFEST_NAME', 404, 'MANIFEST_UNKNOWN');
  });

  it('HEAD of an invalid tag → 404 without a body', async () => {
    hub.log.clear();
    const reply = await raw('/v2/alpine/manifests/.INVALID_MANIFEST_NAME', 'HEAD');
    expect(reply.status).toBe(404);
    expect(reply.body.length).toBe(0);
    expect(hub.log.entries).toEqual([]);
  });

  it('a 129-character tag → 404 MANIFEST_UNKNOWN', async () => {
    await expectRefused(`/v2/alpine/manifests/${'t'.repeat(129)}`, 404, 'MANIFEST_UNKNOWN');
  });

  it('manifest sha256:totallywrong → 400 DIGEST_INVALID', async () => {
    await expectRefused('/v2/alpine/manifests/sha256:totallywrong', 400, 'DIGEST_INVALID');
  });

  it('an md5 blob digest → 400 DIGEST_INVALID', async () => {
    await expectRefused('/v2/alpine/blobs/md5:d41d8cd98f00b204e9800998ecf8427e', 400, 'DIGEST_INVALID');
  });

  it('an uppercase hex digest → 400 DIGEST_INVALID', async () => {
    await expectRefused(`/v2/alpine/blobs/sha256:${HEX.toUpperCase()}`, 400, 'DIGEST_INVALID');
  });

  it('a short sha256 digest → 400 DIGEST_INVALID', async () => {
    await expectRefused(`/v2/alpine/manifests/sha256:${HEX.slice(0, 63)}`, 400, 'DIGEST_INVALID');
  });

  it('tags list n=-1 → 400 PAGINATION_NUMBER_INVALID', async () => {
    await expectRefused('/v2/alpine/tags/list?n=-1', 400, 'PAGINATION_NUMBER_INVALID');
  });

  it('tags list n=abc → 400 PAGINATION_NUMBER_INVALID', async () => {
    await expectRefused('/v2/alpine/tags/list?n=abc', 400, 'PAGINATION_NUMBER_INVALID');
  });

  it('catalog n=-1 → 400 PAGINATION_NUMBER_INVALID', async () => {
    await expectRefused('/v2/_catalog?n=-1', 400, 'PAGINATION_NUMBER_INVALID');
  });

  it('an unknown path under /v2 → 404 with an OCI body', async () => {
    const reply = await expectRefused('/v2/foo/bar', 404, 'UNSUPPORTED');
    expect(reply.headers['docker-distribution-api-version']).toBe('registry/2.0');
  });

  it('an unknown path outside /v2 → 404 with an OCI body', async () => {
    await expectRefused('/v1/search?q=alpine', 404, 'UNSUPPORTED');
  });

  it('keeps serving afterwards: GET /v2/ → 200 and a real pull works', async () => {
    const ping = await raw('/v2/');
    expect(ping.status).toBe(200);
    expect(JSON.parse(ping.body.toString('utf8'))).toEqual({});
    const manifest = await raw('/v2/alpine/manifests/latest');
    expect(manifest.status).toBe(200);
  });
});
