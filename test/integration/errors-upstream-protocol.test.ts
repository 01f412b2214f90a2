import { afterEach, describe, expect, it } from 'vitest';
import { request } from 'undici';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

// Upstreams that break the protocol in ways that could hang or mislead lading: each gets a
// bounded, clear OCI answer, and nothing is stored.
describe('misbehaving upstream protocol', () => {
  let upstream: FakeUpstream | undefined;
  let mirror: TestMirror | undefined;
  afterEach(async () => {
    await mirror?.close();
    await upstream?.stop();
  });
  const start = async (headersMs = 5_000) => {
    upstream = await FakeUpstream.start();
    mirror = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: upstream.url, timeouts: { connectMs: 2_000, headersMs, bodyIdleMs: 5_000 } }],
    });
    return upstream.addBlob('library/app', Buffer.from('blob bytes'));
  };
  const get = async (p: string) => {
    const res = await request(`${mirror!.url}${p}`);
    const text = await res.body.text();
    return { status: res.statusCode, code: (JSON.parse(text) as { errors: { code: string; message: string }[] }).errors[0] };
  };

  it('a token endpoint that never answers ends in 504 after the headers timeout', async () => {
    const digest = await start(400);
    upstream!.faults.add({ kind: 'hang' }, { match: { server: 'auth' } });
    const answer = await get(`/v2/app/blobs/${digest}`);
    expect(answer.status).toBe(504);
    expect(answer.code?.code).toBe('UNAVAILABLE');
  });

  it('a redirect loop ends in 502 after a bounded number of hops', async () => {
    const digest = await start();
    const self = `${upstream!.url}/v2/library/app/blobs/${digest}`;
    upstream!.faults.add({ kind: 'status', status: 307, headers: { location: self }, body: '' }, { match: { server: 'registry', path: /\/blobs\// } });
    const answer = await get(`/v2/app/blobs/${digest}`);
    expect(answer.status).toBe(502);
    expect(answer.code?.message).toMatch(/redirected more than 5 times/);
    expect(upstream!.log.count({ server: 'registry', path: /\/blobs\// })).toBeLessThanOrEqual(6);
  });

  it('a redirect to a non-HTTP scheme is refused with 502', async () => {
    const digest = await start();
    upstream!.faults.add({ kind: 'status', status: 307, headers: { location: 'file:///etc/passwd' }, body: '' }, { match: { server: 'registry', path: /\/blobs\// } });
    const answer = await get(`/v2/app/blobs/${digest}`);
    expect(answer.status).toBe(502);
    expect(answer.code?.message).toMatch(/non-HTTP scheme/);
  });
});
