import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { basicAuthorization, startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { buildImage } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage } from '../support/oci-push.js';
import { runSkopeo, sha256Digest } from '../support/skopeo.js';

// lading's default upstream is a real docker-registry with htpasswd auth (HTTP Basic, bcrypt
// file): every request, `/v2/` included, gets `401` + `WWW-Authenticate: Basic` without
// credentials. lading is configured with `username` + `passwordEnv`; skopeo pulls through lading
// anonymously. The images are pushed while the registry is open, then the same storage is served
// with auth on (the push helper speaks no auth). The password must never reach lading's output.

const USERNAME = 'lading-e2e';
// Random per run, so finding it in the output can only mean lading printed it.
const PASSWORD = `pw-${randomBytes(12).toString('hex')}`;
const PASSWORD_ENV = 'LADING_E2E_UPSTREAM_PASSWORD';

const image = buildImage({ format: 'oci', layers: ['basic auth upstream one\n', 'basic auth upstream two\n'] });

let storageDir: string;
let workDir: string;
let upstream: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
let anonymousMirror: RunningMirrorProcess | undefined;

function skopeo(...args: string[]): Promise<string> {
  return runSkopeo(args, {
    registriesConf: join(workDir, 'registries.conf'),
    diagnostics: () => `--- lading output:\n${mirror?.output()}\n--- docker-registry output:\n${upstream?.output()}`,
  });
}

beforeAll(async () => {
  storageDir = await mkdtemp(join(tmpdir(), 'lading-e2e-auth-storage-'));
  workDir = await mkdtemp(join(tmpdir(), 'lading-e2e-auth-'));
  await writeFile(join(workDir, 'registries.conf'), '');
  const open = await startDockerRegistry({ storageDir });
  try {
    await pushImage(open.url, 'library/tiny', '1', image);
  } finally {
    await open.stop();
  }
  upstream = await startDockerRegistry({ storageDir, htpasswd: { username: USERNAME, password: PASSWORD } });
  mirror = await startMirrorProcess({
    config: {
      upstreams: [{ name: 'docker.io', url: upstream.url, default: true, username: USERNAME, passwordEnv: PASSWORD_ENV }],
    },
    env: { [PASSWORD_ENV]: PASSWORD },
  });
});

afterAll(async () => {
  await anonymousMirror?.stop();
  await mirror?.stop();
  await upstream?.stop();
  if (storageDir) await rm(storageDir, { recursive: true, force: true });
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('an upstream with HTTP Basic auth (docker-registry htpasswd)', () => {
  it('really requires the credentials (401 + Basic challenge without, 200 with)', async () => {
    const anonymous = await request(`${upstream.url}/v2/library/tiny/manifests/1`, { method: 'HEAD' });
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);
    expect(String(anonymous.headers['www-authenticate'])).toMatch(/^Basic /);
    const authorized = await request(`${upstream.url}/v2/library/tiny/manifests/1`, {
      method: 'HEAD',
      headers: { authorization: basicAuthorization({ username: USERNAME, password: PASSWORD }), accept: image.manifest.mediaType },
    });
    await authorized.body.dump();
    expect(authorized.statusCode).toBe(200);
  });

  it('skopeo inspect --raw through lading returns the pushed manifest bytes', async () => {
    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${new URL(mirror.url).host}/tiny:1`);
    expect(sha256Digest(raw)).toBe(image.manifest.digest);
  });

  it('skopeo copy through lading gets every blob with its pushed digest', async () => {
    const directory = join(workDir, 'copied');
    await skopeo('copy', '--preserve-digests', '--src-tls-verify=false', `docker://${new URL(mirror.url).host}/tiny:1`, `dir:${directory}`);
    const found: string[] = [];
    for (const name of await readdir(directory)) {
      if (!/^[0-9a-f]{64}$/.test(name)) continue; // manifest.json, version
      expect(sha256Digest(await readFile(join(directory, name))), name).toBe(`sha256:${name}`);
      found.push(`sha256:${name}`);
    }
    expect(found.sort()).toEqual([image.config.digest, ...image.layers.map((layer) => layer.digest)].sort());
    expect(sha256Digest(await readFile(join(directory, 'manifest.json')))).toBe(image.manifest.digest);
  });

  it('never writes the password (nor its Basic form) to its output', () => {
    const output = mirror.output();
    expect(output).toContain('"path":"/v2/tiny/blobs/'); // it is the request log we think it is
    expect(output).not.toContain(PASSWORD);
    expect(output).not.toContain(basicAuthorization({ username: USERNAME, password: PASSWORD }).slice('Basic '.length));
  });

  it('without credentials configured, lading cannot pull from it (no false green)', async () => {
    anonymousMirror = await startMirrorProcess({ upstreamUrl: upstream.url });
    const reference = `docker://${new URL(anonymousMirror.url).host}/tiny:1`;
    await expect(skopeo('inspect', '--raw', '--tls-verify=false', reference)).rejects.toThrow(/skopeo inspect/);
    // Upstream 401 after lading's own auth attempt → 403 DENIED (DESIGN.md, upstream failures).
    // The log line is written when the response closes, which can trail skopeo's exit.
    await vi.waitFor(
      () => {
        const manifestStatuses = anonymousMirror!
          .requests()
          .filter((line) => line.path === '/v2/tiny/manifests/1')
          .map((line) => line.status);
        expect(manifestStatuses).toContain(403);
      },
      { timeout: 5_000 },
    );
  });
});
