import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDockerRegistry, type RunningDockerRegistry } from '../support/docker-registry.js';
import { startDockerd, type RunningDockerd } from '../support/dockerd.js';
import { buildImage } from '../support/fake-upstream/image-builder.js';
import { startMirrorProcess, type RunningMirrorProcess } from '../support/mirror-process.js';
import { pushImage } from '../support/oci-push.js';
import { runSkopeo, sha256Digest } from '../support/skopeo.js';
import { createServerCertificate, createTestCa, type TestCa } from '../support/test-certificates.js';

// lading serving HTTPS (`tls: {cert, key}`) with a certificate from a throw-away CA, pulled by
// skopeo trusting the CA through --cert-dir / --src-cert-dir, and by a private dockerd 20.10
// trusting it through certs.d (`/etc/docker/certs.d/[::1]:<port>/ca.crt`, see dockerd.ts).
//
// lading listens on [::] (dual stack). dockerd reaches it as [::1]: dockerd treats 127.0.0.0/8 as
// an insecure registry whatever it is told and would skip certificate checks there, so a pull
// over 127.0.0.1 would prove nothing about the CA; [::1] is not on that list. skopeo 1.9's
// reference grammar has no IPv6 literals, so it uses 127.0.0.1 (containers/image verifies there).

const image = buildImage({ format: 'oci', layers: ['tls mirror layer one\n', 'tls mirror layer two\n'] });

let workDir: string;
let ca: TestCa;
let certDir: string;
let upstream: RunningDockerRegistry;
let mirror: RunningMirrorProcess;
/** `[::1]:<port>`, for dockerd. */
let mirrorHost: string;
/** `127.0.0.1:<port>`, for skopeo. */
let skopeoHost: string;

function skopeo(...args: string[]): Promise<string> {
  return runSkopeo(args, {
    registriesConf: join(workDir, 'registries.conf'),
    diagnostics: () => `--- lading output:\n${mirror?.output()}`,
  });
}

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'lading-e2e-tls-'));
  await writeFile(join(workDir, 'registries.conf'), '');
  ca = await createTestCa(join(workDir, 'pki'));
  const server = await createServerCertificate(ca, 'mirror');
  // containers/image reads every *.crt of a cert dir as a CA.
  certDir = join(workDir, 'trust');
  await mkdir(certDir);
  await writeFile(join(certDir, 'ca.crt'), ca.pem);
  upstream = await startDockerRegistry();
  await pushImage(upstream.url, 'library/tlstiny', '1', image);
  mirror = await startMirrorProcess({
    upstreamUrl: upstream.url,
    config: { tls: { cert: server.certFile, key: server.keyFile } },
    args: ['--listen', '[::]:0'],
  });
  const { port } = new URL(mirror.url);
  mirrorHost = `[::1]:${port}`;
  skopeoHost = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await mirror?.stop();
  await upstream?.stop();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('lading over TLS', () => {
  it('prints an https:// URL', () => {
    expect(mirror.url).toMatch(/^https:\/\/\[::\]:\d+$/);
  });

  it('skopeo without the CA refuses the certificate (verification is on)', async () => {
    await expect(skopeo('inspect', '--raw', `docker://${skopeoHost}/tlstiny:1`)).rejects.toThrow(/x509|certificate/);
  });

  it('skopeo inspect --cert-dir trusting the test CA gets the pushed manifest', async () => {
    const raw = await skopeo('inspect', '--raw', '--cert-dir', certDir, `docker://${skopeoHost}/tlstiny:1`);
    expect(sha256Digest(raw)).toBe(image.manifest.digest);
  });

  it('skopeo copy --src-cert-dir copies every blob intact', async () => {
    const layout = join(workDir, 'layout');
    await skopeo('copy', '--preserve-digests', '--src-cert-dir', certDir, `docker://${skopeoHost}/tlstiny:1`, `oci:${layout}:copied`);
    const blobs = (await readdir(join(layout, 'blobs', 'sha256'))).map((name) => `sha256:${name}`).sort();
    expect(blobs).toEqual([image.manifest, image.config, ...image.layers].map((blob) => blob.digest).sort());
  });

  it('a dockerd without the CA in certs.d refuses the mirror (the CA test below is not a false green)', async () => {
    const untrusting = await startDockerd({ registryMirrors: [`https://${mirrorHost}`] });
    try {
      await expect(untrusting.docker(['pull', 'tlstiny:1'])).rejects.toThrow();
      expect(untrusting.output()).toMatch(/x509: certificate signed by unknown authority/);
    } finally {
      await untrusting.stop();
    }
  });

  describe('docker pull with lading as an https registry-mirror', () => {
    let dockerd: RunningDockerd;

    beforeAll(async () => {
      dockerd = await startDockerd({ registryMirrors: [`https://${mirrorHost}`], registryCas: { [mirrorHost]: ca.pem } });
    });
    afterAll(async () => {
      await dockerd?.stop();
    });

    it('pulls through the mirror, trusting the CA from certs.d', async () => {
      await dockerd.docker(['pull', 'tlstiny:1']);
      const [inspected] = JSON.parse(await dockerd.docker(['image', 'inspect', 'tlstiny:1'])) as { Id: string; RepoDigests: string[] }[];
      expect(inspected?.RepoDigests).toEqual([`tlstiny@${image.manifest.digest}`]);
      expect(inspected?.Id).toBe(image.config.digest);
      const served = mirror.requests().filter((line) => line.status === 200).map((line) => line.path);
      for (const blob of image.layers) expect(served).toContain(`/v2/library/tlstiny/blobs/${blob.digest}`);
    });
  });
});
