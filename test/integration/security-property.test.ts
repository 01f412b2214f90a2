// Property-based hostile input (issue 8): fast-check generates request paths (percent-encodings,
// `..`, unicode, very long segments, every route shape), methods and headers (Accept, Range,
// Authorization and X-Forwarded-For junk) and sends them raw to two in-process mirrors (one open,
// one with client auth) in front of a fake upstream that answers 404 to everything, so no
// upstream outage can excuse a 5xx. For every request: no 5xx, an OCI error body on every
// error, no crash (both keep answering, no internal error logged), and no file created outside
// the data dir. Bounded by run count and time.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { hashSync } from 'bcryptjs';
import fc from 'fast-check';
import { Client } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const RUNS = 500;
const TIME_LIMIT_MS = 20_000;
const VALID_LOGIN = `Basic ${Buffer.from('fuzz:fuzz-password').toString('base64')}`;

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
/** Path segments: route words, traversal in every encoding, digests good and bad, unicode, long. */
const segment = fc.oneof(
  fc.constantFrom('v2', 'library', 'alpine', 'manifests', 'blobs', 'tags', 'list', 'referrers', '_catalog', 'uploads', 'latest', '', '.', '..'),
  fc.constantFrom('%2e%2e', '%2E%2e', '..%2f', '%2f', '%2F', '%00', '%', '%zz', '%c0%ae%c0%ae', '%252e%252e', '%5c', '\\..', '%ff', ';', ':', '@'),
  hex64.map((hex) => `sha256:${hex}`),
  fc.constantFrom('sha256:', 'sha512:abc', 'md5:d41d8cd98f00b204e9800998ecf8427e', 'SHA256:AA', 'sha256:../../etc'),
  fc.string({ unit: 'grapheme', maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 8 }).map((text) => encodeURIComponent(text).replace(/%2F/g, '/')),
  fc.stringMatching(/^[a-z0-9._-]{200,400}$/),
  fc.stringMatching(/^[A-Za-z0-9._~!$&'()*+,=-]{1,20}$/),
);
const query = fc.oneof(
  fc.constant(''),
  fc.tuple(fc.constantFrom('ns', 'n', 'last', 'artifactType', 'digest'), fc.string({ unit: 'grapheme', maxLength: 40 })).map(
    ([key, value]) => `?${key}=${encodeURIComponent(value)}`,
  ),
  fc.constantFrom('?ns=docker.io', '?ns=evil.example', '?n=-1', '?n=99999999999999999999', '?n=1&n=2', '?%zz', '?ns=%00'),
);
const path = fc.oneof(
  fc.tuple(fc.array(segment, { minLength: 0, maxLength: 7 }), query).map(([segments, q]) => `/v2/${segments.join('/')}${q}`),
  fc.tuple(fc.constantFrom('alpine', 'library/alpine', 'a/b/c', 'docker.io/library/alpine', 'x'.repeat(300)), fc.constantFrom('manifests', 'blobs', 'tags', 'referrers'), segment, query).map(
    ([name, kind, reference, q]) => `/v2/${name}/${kind}/${reference}${q}`,
  ),
  fc.tuple(fc.constantFrom('/', '//v2/', '/v2', '/V2/', '/_lading/', '/_lading/api/images', '/_lading/stats', '/_lading/health', '/metrics', '/v2/..', '/v2/%2e%2e/'), segment).map(
    ([prefix, rest]) => `${prefix}${rest}`,
  ),
);
/** Header values undici will send: visible latin1 and spaces, no control characters. */
const headerText = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code)), maxLength: 300 });
const accept = fc.oneof(
  headerText,
  fc.constantFrom('*/*', 'application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.v2+json;q=0.5', ';;;,,,', 'a/b;q=NaN', `${'application/json, '.repeat(500)}x/y`),
);
const range = fc.oneof(
  headerText,
  fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n })).map(([a, b]) => `bytes=${a}-${b}`),
  fc.constantFrom('bytes=0-', 'bytes=-0', 'bytes=5-1', 'bytes=0-1,2-3', 'items=0-5', 'bytes=', 'bytes=--1', 'bytes=1e3-2e3'),
);
const authorization = fc.oneof(
  headerText,
  fc.constant(VALID_LOGIN),
  headerText.map((text) => `Basic ${Buffer.from(text, 'latin1').toString('base64')}`),
  headerText.map((text) => `Bearer ${text}`),
  fc.constantFrom('Basic', 'Basic ', 'Basic ====', 'Basic Og==', `Basic ${Buffer.from(':').toString('base64')}`),
);
const hostileRequest = fc.record({
  method: fc.constantFrom('GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  path,
  headers: fc.record(
    {
      accept,
      range,
      authorization,
      'x-forwarded-for': headerText,
      'if-none-match': headerText,
      // undici itself asserts on a Host that opens "[" without closing it, so none is sent.
      host: fc.oneof(headerText, fc.constantFrom('a b', 'evil.example:99999', '[::1]:5000', 'x'.repeat(300), '127.0.0.1:1/../')).filter(
        (host) => !host.startsWith('[') || host.includes(']'),
      ),
    },
    { requiredKeys: [] },
  ),
  withAuth: fc.boolean(),
});

/** Every path under `root`, except inside `skip`. */
async function listing(root: string, skip: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map((entry) => entry.toString()).filter((entry) => !join(root, entry).startsWith(skip)).sort();
}

describe('generated hostile requests', () => {
  let parentDir: string;
  let hub: FakeUpstream;
  let open: TestMirror;
  let guarded: TestMirror;
  let before: string[];
  const clients = new Map<TestMirror, Client>();

  beforeAll(async () => {
    parentDir = await mkdtemp(join(tmpdir(), 'lading-property-'));
    const htpasswdFile = join(parentDir, 'htpasswd');
    await writeFile(htpasswdFile, `fuzz:${hashSync('fuzz-password', 4)}\n`);
    hub = await FakeUpstream.start({ auth: 'none' }); // no content: every upstream answer is 404
    open = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }], dataDir: join(parentDir, 'open-data') });
    guarded = await startTestMirror({
      upstreams: [{ name: 'docker.io', url: hub.url }],
      dataDir: join(parentDir, 'guarded-data'),
      auth: { htpasswdFile },
      trustProxy: ['127.0.0.0/8'],
    });
    clients.set(open, new Client(open.url));
    clients.set(guarded, new Client(guarded.url));
    before = await listing(parentDir, join(parentDir, '.none'));
  });
  afterAll(async () => {
    for (const client of clients.values()) await client.close();
    await open?.close();
    await guarded?.close();
    await hub?.stop();
    if (parentDir) await rm(parentDir, { recursive: true, force: true });
  });

  it(`${RUNS} generated requests: no 5xx, OCI error bodies, no crash, nothing written outside the data dir`, async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest, async ({ method, path: requestPath, headers, withAuth }) => {
        const mirror = withAuth ? guarded : open;
        const response = await clients.get(mirror)!.request({ method, path: requestPath, headers });
        const body = Buffer.from(await response.body.arrayBuffer());
        const context = `${method} ${requestPath} ${JSON.stringify(headers)} → ${response.statusCode} ${body.toString('utf8').slice(0, 300)}`;
        expect(response.statusCode, context).toBeLessThan(500);
        if (response.statusCode >= 400 && method !== 'HEAD') {
          const parsed = JSON.parse(body.toString('utf8')) as { errors?: { code?: unknown; message?: unknown }[] };
          expect(typeof parsed.errors?.[0]?.code, context).toBe('string');
          expect(typeof parsed.errors?.[0]?.message, context).toBe('string');
        }
      }),
      // A failure prints its seed and path: pass them back here as { seed, path } to replay it.
      { numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS },
    );
    for (const mirror of [open, guarded]) {
      const response = await clients.get(mirror)!.request({ method: 'GET', path: '/v2/', headers: { authorization: VALID_LOGIN } });
      await response.body.dump();
      expect(response.statusCode).toBe(200);
      expect(mirror.logLines.filter((line) => line.level === 'error')).toEqual([]);
    }
    const after = await listing(parentDir, join(parentDir, '.none'));
    const outside = after.filter((entry) => !before.includes(entry) && !/^(open|guarded)-data(\/|$)/.test(entry));
    expect(outside.map((entry) => relative(parentDir, join(parentDir, entry)))).toEqual([]);
  });
});
