import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startContainerd, type RunningContainerd } from '../support/containerd.js';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { buildImage } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage } from '../support/oci-push.js';
import { runSkopeo, sha256Digest } from '../support/skopeo.js';
import { createServerCertificate, createTestCa, type TestCa } from '../support/test-certificates.js';

// Client auth with real clients: lading over TLS with `auth.htpasswd` written by `htpasswd -B`
// (apache2-utils), pulled by skopeo with --creds / --src-creds (it pings /v2/, gets the Basic
// challenge, retries with the credentials) and by containerd 1.6 sending an `Authorization`
// header from hosts.toml (`[host."…".header]`: containerd sends no credentials to a mirror
// host of its own accord, PROTOCOL.md §2). Without credentials both fail.

const run = promisify(execFile);
const USER = 'e2e-puller';
// Random per run: finding it in lading's output can only mean lading printed it.
const PASSWORD = `client-${randomBytes(12).toString('hex')}`;

const image = buildImage({ format: 'oci', layers: ['client auth layer one\n', 'client auth layer two\n'] });

let workDir: string;
let ca: TestCa;
let certDir: string;
let upstream: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
let mirrorHost: string;

function skopeo(...args: string[]): Promise<string> {
  return runSkopeo(args, {
    registriesConf: join(workDir, 'registries.conf'),
    diagnostics: () => `--- lading output:\n${mirror?.output()}`,
  });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lading-e2e-client-auth-'));
  await writeFile(join(workDir, 'registries.conf'), '');
  ca = await createTestCa(join(workDir, 'pki'));
  const server = await createServerCertificate(ca, 'mirror');
  certDir = join(workDir, 'trust');
  await mkdir(certDir);
  await writeFile(join(certDir, 'ca.crt'), ca.pem);
  const htpasswdFile = join(workDir, 'htpasswd');
  await run('/usr/bin/htpasswd', ['-cbB', htpasswdFile, USER, PASSWORD], { timeout: 30_000 });
  upstream = await startDockerRegistry();
  await pushImage(upstream.url, 'library/authtiny', '1', image);
  mirror = await startMirrorProcess({
    upstreamUrl: upstream.url,
    config: { tls: { cert: server.certFile, key: server.keyFile }, auth: { htpasswd: htpasswdFile } },
  });
  mirrorHost = new URL(mirror.url).host;
});

afterAll(async () => {
  await mirror?.stop();
  await upstream?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('skopeo with credentials', () => {
  it('without --creds: unauthorized', async () => {
    await expect(skopeo('inspect', '--raw', '--cert-dir', certDir, `docker://${mirrorHost}/authtiny:1`)).rejects.toThrow(/unauthorized|authentication required/i);
  });

  it('inspect --creds gets the pushed manifest', async () => {
    const raw = await skopeo('inspect', '--raw', '--cert-dir', certDir, '--creds', `${USER}:${PASSWORD}`, `docker://${mirrorHost}/authtiny:1`);
    expect(sha256Digest(raw)).toBe(image.manifest.digest);
  });

  it('copy --src-creds copies every blob intact', async () => {
    const layout = join(workDir, 'layout');
    await skopeo('copy', '--preserve-digests', '--src-cert-dir', certDir, '--src-creds', `${USER}:${PASSWORD}`, `docker://${mirrorHost}/authtiny:1`, `oci:${layout}:copied`);
    const blobs = (await readdir(join(layout, 'blobs', 'sha256'))).map((name) => `sha256:${name}`).sort();
    expect(blobs).toEqual([image.manifest, image.config, ...image.layers].map((blob) => blob.digest).sort());
  });
});

describe('containerd with an Authorization header in hosts.toml', () => {
  let containerd: RunningContainerd;

  async function pullWith(hostsDir: string, reference: string): Promise<string> {
    return containerd.ctr(['images', 'pull', '--hosts-dir', hostsDir, '--snapshotter', 'native', '--platform', 'linux/amd64', reference]);
  }

  async function hostsDirWith(name: string, header: string | undefined): Promise<string> {
    const hostsDir = join(containerd.workDir, name);
    await mkdir(join(hostsDir, 'docker.io'), { recursive: true });
    const host = `[host."${mirror.url}"]`;
    const lines = ['server = "https://registry-1.docker.io"', '', host, '  capabilities = ["pull", "resolve"]', `  ca = ${JSON.stringify(ca.certFile)}`];
    if (header !== undefined) lines.push('', `[host."${mirror.url}".header]`, `  Authorization = ${JSON.stringify(header)}`);
    await writeFile(join(hostsDir, 'docker.io', 'hosts.toml'), `${lines.join('\n')}\n`);
    return hostsDir;
  }

  beforeAll(async () => {
    containerd = await startContainerd();
  });
  afterAll(async () => {
    await containerd?.stop();
  });

  it('without the header the pull fails', async () => {
    await expect(pullWith(await hostsDirWith('hosts-anonymous', undefined), 'docker.io/library/authtiny:1')).rejects.toThrow(/401 Unauthorized|unauthorized/i);
  });

  it('with the header it pulls through lading, every request authorized', async () => {
    const authorization = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
    await pullWith(await hostsDirWith('hosts-authorized', authorization), 'docker.io/library/authtiny:1');
    const content = await containerd.ctr(['content', 'ls', '--quiet']);
    for (const blob of [image.manifest, image.config, ...image.layers]) expect(content).toContain(blob.digest);
    const served = mirror.requests().filter((line) => line.path.startsWith('/v2/library/authtiny/') && line.status === 200);
    for (const blob of image.layers) expect(served.map((line) => line.path.split('?')[0])).toContain(`/v2/library/authtiny/blobs/${blob.digest}`);
  });

  it('the client password never appears in lading’s output', () => {
    expect(mirror.output()).not.toContain(PASSWORD);
    expect(mirror.output()).not.toContain(Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));
  });
});
