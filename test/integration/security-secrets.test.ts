// Secrets never leak (issue 8): one mirror with every kind of secret at once (a bearer-token
// upstream's password, a Basic upstream's password, a wrong upstream password, the tokens the
// token realm issues, the admin token, a client password) pulls, then triggers 401s, 403s, 404s
// and 5xx. None of the secrets may appear in any log line, response body or header, the stats
// JSON, /metrics or `lading serve --print-config`; and each secret reaches only its own host:
// the client password and the admin token no upstream at all, an upstream's password only that
// upstream's registry or token realm, tokens never the CDN.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { hashSync } from 'bcryptjs';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM_MANIFEST_ACCEPT } from '../../src/oci/media-types.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import type { LoggedRequest } from '../support/fake-upstream/request-log.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const CLI_PATH = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const run = promisify(execFile);

const HUB = { username: 'hub-bot', password: 'Hub-Bearer-Secret-5a1f' };
const PRIVATE = { username: 'basic-bot', password: 'Basic-Upstream-Secret-90c2' };
const WRONG_PASSWORD = 'Wrong-Upstream-Secret-3d77';
const ADMIN_TOKEN = 'Admin-Token-Secret-6be4';
const CLIENT = { username: 'puller', password: 'Client-Password-Secret-c81d' };

const basic = ({ username, password }: { username: string; password: string }): string =>
  Buffer.from(`${username}:${password}`).toString('base64');

/** Each secret as written and in the encodings it travels in. */
function forms(secret: string, basicOf?: { username: string; password: string }): string[] {
  return [secret, encodeURIComponent(secret), Buffer.from(secret).toString('base64'), ...(basicOf ? [basic(basicOf)] : [])];
}

describe('secrets', () => {
  let hub: FakeUpstream;
  let privateRegistry: FakeUpstream;
  let mirror: TestMirror;
  let workDir: string;
  /** Everything the mirror said to clients: status lines, headers and bodies. */
  const seen: string[] = [];
  const clientAuth = `Basic ${basic(CLIENT)}`;

  async function get(path: string, headers: Record<string, string> = { authorization: clientAuth }): Promise<number> {
    const response = await request(`${mirror.url}${path}`, { headers: { accept: UPSTREAM_MANIFEST_ACCEPT, ...headers } });
    const body = await response.body.text();
    seen.push(`${response.statusCode} ${JSON.stringify(response.headers)} ${body}`);
    return response.statusCode;
  }

  function secretsIn(text: string, needles: string[]): string[] {
    return needles.filter((needle) => text.includes(needle));
  }

  const everySecret = (): string[] => [
    ...forms(HUB.password, HUB),
    ...forms(PRIVATE.password, PRIVATE),
    ...forms(WRONG_PASSWORD, { username: HUB.username, password: WRONG_PASSWORD }),
    ...forms(ADMIN_TOKEN),
    ...forms(CLIENT.password, CLIENT),
    ...issuedTokens(),
  ];

  /** The bearer tokens the mirror presented to the hub registry (issued by its token realm). */
  function issuedTokens(): string[] {
    const tokens = hub.log.entries
      .map((entry) => String(entry.headers.authorization ?? ''))
      .filter((value) => value.startsWith('Bearer '))
      .map((value) => value.slice('Bearer '.length));
    return [...new Set(tokens)];
  }

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'lading-secrets-'));
    const htpasswdFile = join(workDir, 'htpasswd');
    await writeFile(htpasswdFile, `${CLIENT.username}:${hashSync(CLIENT.password, 4)}\n`);
    hub = await FakeUpstream.start({ credentials: HUB, requireCredentials: true });
    hub.privateRepositories.add('acme/app');
    hub.addImage('acme/app', 'v1', { layers: ['secret test layer one\n', 'secret test layer two\n'] });
    privateRegistry = await FakeUpstream.start({ auth: 'basic', credentials: PRIVATE });
    privateRegistry.addImage('team/tool', 'v1');
    mirror = await startTestMirror({
      upstreams: [
        { name: 'docker.io', url: hub.url, ...HUB },
        { name: 'registry.internal', url: privateRegistry.url, ...PRIVATE },
        // The hub again under another name, with a password it refuses.
        { name: 'wrong.example', url: hub.url, username: HUB.username, password: WRONG_PASSWORD },
      ],
      admin: { token: ADMIN_TOKEN, tokenSource: 'env:LADING_ADMIN_TOKEN', protectStats: true },
      auth: { htpasswdFile },
    });
  });
  afterAll(async () => {
    await mirror?.close();
    await hub?.stop();
    await privateRegistry?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('pulls from both credentialed upstreams and triggers every kind of error', async () => {
    expect(await get('/v2/acme/app/manifests/v1')).toBe(200);
    expect(await get('/v2/registry.internal/team/tool/manifests/v1')).toBe(200);
    const image = JSON.parse(seen[0]!.slice(seen[0]!.indexOf('{"schemaVersion"'))) as { layers: { digest: string }[]; config: { digest: string } };
    for (const digest of [image.config.digest, ...image.layers.map((layer) => layer.digest)]) {
      expect(await get(`/v2/acme/app/blobs/${digest}`)).toBe(200);
    }
    expect(await get('/v2/', {})).toBe(401);
    expect(await get('/v2/', { authorization: `Basic ${basic({ username: CLIENT.username, password: `${CLIENT.password}x` })}` })).toBe(401);
    expect(await get('/v2/wrong.example/acme/app/manifests/v1')).toBe(403);
    expect(await get('/v2/acme/app/manifests/nosuchtag')).toBe(404);
    expect(await get(`/v2/acme/app/blobs/sha256:${'0'.repeat(64)}`)).toBe(404);
    hub.faults.add({ kind: 'status', status: 500, body: 'upstream exploded' }, { match: { server: 'registry', path: /manifests\/broken$/ } });
    expect(await get('/v2/acme/app/manifests/broken')).toBe(502);
    privateRegistry.faults.add({ kind: 'status', status: 503 }, { match: { server: 'registry' } });
    expect(await get('/v2/registry.internal/team/tool/manifests/v2')).toBe(502);
    expect(await get('/_lading/api/images', { authorization: `Bearer ${ADMIN_TOKEN}-wrong` })).toBe(401);
    expect(await get('/_lading/stats', { authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
    expect(await get('/metrics', { authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
    expect(await get('/_lading/api/images', { authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
    expect(issuedTokens().length).toBeGreaterThan(0);
  });

  it('no secret in any log line', () => {
    expect(mirror.logLines.length).toBeGreaterThan(10);
    expect(secretsIn(JSON.stringify(mirror.logLines), everySecret())).toEqual([]);
  });

  it('no secret in any response (status, headers, bodies: errors, stats, metrics, admin API)', () => {
    expect(seen.length).toBeGreaterThan(10);
    expect(secretsIn(seen.join('\n'), everySecret())).toEqual([]);
  });

  it('each secret reaches only its own host', () => {
    const text = (entries: readonly LoggedRequest[]): string => JSON.stringify(entries.map((entry) => [entry.path, entry.query, entry.headers]));
    const clientSecrets = [...forms(CLIENT.password, CLIENT), ...forms(ADMIN_TOKEN)];
    // Neither upstream ever hears the client password or the admin token.
    expect(secretsIn(text(hub.log.entries) + text(privateRegistry.log.entries), clientSecrets)).toEqual([]);
    // The CDNs see no credentials and no tokens at all.
    const cdn = [...hub.log.entries, ...privateRegistry.log.entries].filter((entry) => entry.server === 'cdn');
    expect(cdn.length).toBeGreaterThan(0);
    expect(cdn.every((entry) => entry.headers.authorization === undefined)).toBe(true);
    expect(secretsIn(text(cdn), everySecret())).toEqual([]);
    // The hub's password goes to its token realm only; the private registry's to its registry only.
    expect(secretsIn(text(privateRegistry.log.entries), forms(HUB.password, HUB))).toEqual([]);
    expect(secretsIn(text(hub.log.entries), forms(PRIVATE.password, PRIVATE))).toEqual([]);
    expect(secretsIn(text(hub.log.entries.filter((entry) => entry.server !== 'auth')), forms(HUB.password, HUB))).toEqual([]);
  });

  it('lading serve --print-config shows where each secret comes from, never a secret', async () => {
    const configFile = join(workDir, 'mirror.config.json');
    await writeFile(join(workDir, 'private-password'), `${PRIVATE.password}\n`);
    await writeFile(
      configFile,
      JSON.stringify({
        upstreams: [
          { name: 'docker.io', url: 'https://registry-1.docker.io', default: true, username: HUB.username, passwordEnv: 'HUB_PASSWORD' },
          { name: 'registry.internal', url: 'https://registry.internal', username: PRIVATE.username, passwordFile: 'private-password' },
        ],
        admin: { tokenEnv: 'LADING_ADMIN_TOKEN', protectStats: true },
        auth: { htpasswd: 'htpasswd' },
        trustProxy: ['10.0.0.0/8'],
      }),
    );
    const { stdout } = await run(process.execPath, [CLI_PATH, 'serve', '--config', configFile, '--print-config'], {
      env: { ...process.env, HUB_PASSWORD: HUB.password, LADING_ADMIN_TOKEN: ADMIN_TOKEN },
      timeout: 15_000,
    });
    expect(secretsIn(stdout, everySecret())).toEqual([]);
    const printed = JSON.parse(stdout) as { upstreams: { password?: string }[]; admin: { token?: string }; auth: { htpasswd: string } };
    expect(printed.upstreams.map((upstream) => upstream.password)).toEqual([
      '<redacted from env:HUB_PASSWORD>',
      `<redacted from file:${join(workDir, 'private-password')}>`,
    ]);
    expect(printed.admin.token).toBe('<redacted from env:LADING_ADMIN_TOKEN>');
    expect(printed.auth).toEqual({ htpasswd: join(workDir, 'htpasswd') });
  });
});
