// TLS (issue 8): `tls: {cert, key}` serves HTTPS; SIGHUP (RunningLading.reload) swaps in the
// files' new pair for new connections and logs it; a bad pair at start is a config error naming
// the key, a bad pair at reload keeps the old one and logs an error. Clients trust a throw-away
// CA made with openssl.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.js';
import { validateConfig } from '../../src/config/validate.js';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { startMirrorProcess } from '../support/mirror-process.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';
import { createServerCertificate, createTestCa, type TestCa, type TestServerCertificate } from '../support/test-certificates.js';

const WAIT_TIMEOUT_MS = 10_000;

/** The CN of the certificate a fresh TLS connection to `url` is served. */
function servedCommonName(url: string, ca: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket: TLSSocket = connect({ host: hostname, port: Number(port), ca }, () => {
      const subject = socket.getPeerCertificate().subject;
      socket.end();
      resolve(String(subject?.CN ?? ''));
    });
    socket.setTimeout(WAIT_TIMEOUT_MS, () => socket.destroy(new Error('TLS connect timed out')));
    socket.once('error', reject);
  });
}

function configErrorOf(raw: unknown, baseDir: string): ConfigError {
  try {
    validateConfig(raw, { env: {}, baseDir });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('TLS', () => {
  let workDir: string;
  let ca: TestCa;
  let first: TestServerCertificate;
  let second: TestServerCertificate;
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let agent: Agent;
  const live = { certFile: '', keyFile: '' };

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'lading-tls-'));
    ca = await createTestCa(join(workDir, 'pki'));
    first = await createServerCertificate(ca, 'first');
    second = await createServerCertificate(ca, 'second');
    live.certFile = join(workDir, 'live.crt');
    live.keyFile = join(workDir, 'live.key');
    await copyFile(first.certFile, live.certFile);
    await copyFile(first.keyFile, live.keyFile);
    hub = await FakeUpstream.start();
    hub.addImage('library/alpine', 'latest');
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }], tls: { ...live } });
    agent = new Agent({ connect: { ca: ca.pem } });
  });
  afterAll(async () => {
    await agent?.close();
    await mirror?.close();
    await hub?.stop();
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('serves HTTPS with the configured pair; the URL says https', async () => {
    expect(mirror.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await request(`${mirror.url}/v2/alpine/manifests/latest`, {
      dispatcher: agent,
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    await response.body.dump();
    expect(response.statusCode).toBe(200);
    expect(await servedCommonName(mirror.url, ca.pem)).toBe('first');
  });

  it('reload() serves the files’ new pair to new connections and logs it', async () => {
    await copyFile(second.certFile, live.certFile);
    await copyFile(second.keyFile, live.keyFile);
    mirror.reload();
    expect(await servedCommonName(mirror.url, ca.pem)).toBe('second');
    expect(mirror.logLines.some((line) => line.msg === 'tls certificate reloaded' && line.file === live.certFile)).toBe(true);
  });

  it('a bad pair at reload keeps the old one and logs an error', async () => {
    await writeFile(live.keyFile, 'not a key\n');
    mirror.reload();
    const failure = mirror.logLines.find((line) => line.msg === 'tls certificate reload failed; keeping the previous one');
    expect(failure?.level).toBe('error');
    expect(String(failure?.error)).toContain('holds no PEM private key');
    await copyFile(first.keyFile, live.keyFile); // key of another certificate
    mirror.reload();
    expect(mirror.logLines.filter((line) => line.msg === 'tls certificate reload failed; keeping the previous one')).toHaveLength(2);
    expect(await servedCommonName(mirror.url, ca.pem)).toBe('second');
    const response = await request(`${mirror.url}/v2/`, { dispatcher: agent });
    await response.body.dump();
    expect(response.statusCode).toBe(200);
  });

  it('a bad pair at start is a config error naming tls.cert or tls.key', () => {
    expect(configErrorOf({ tls: { cert: 'missing.crt', key: first.keyFile } }, workDir).message).toBe(
      `tls.cert: cannot read ${join(workDir, 'missing.crt')} (ENOENT)`,
    );
    expect(configErrorOf({ tls: { cert: first.keyFile, key: first.keyFile } }, workDir).path).toBe('tls.cert');
    expect(configErrorOf({ tls: { cert: first.certFile, key: second.keyFile } }, workDir).message).toMatch(/^tls\.key: .* cannot be used with /);
    expect(configErrorOf({ tls: { cert: first.certFile } }, workDir).message).toBe('tls.key: required');
    expect(configErrorOf({ tls: { cert: first.certFile, key: first.keyFile, ca: 'x' } }, workDir).path).toBe('tls.ca');
    // Relative to the config file's directory, like caFile.
    expect(validateConfig({ tls: { cert: 'pki/first.crt', key: 'pki/first.key' } }, { env: {}, baseDir: workDir }).tls).toEqual({
      certFile: first.certFile,
      keyFile: first.keyFile,
    });
  });

  it('with a connection bound, the connection past it gets a readable 503 over TLS', async () => {
    const bounded = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }], tls: { certFile: second.certFile, keyFile: second.keyFile }, maxConnections: 1 });
    const holder = new Agent({ connect: { ca: ca.pem }, connections: 1 });
    try {
      const held = await request(`${bounded.url}/v2/`, { dispatcher: holder });
      await held.body.dump(); // the keep-alive connection stays open in `holder`
      const refused = await request(`${bounded.url}/v2/`, { dispatcher: agent });
      expect(refused.statusCode).toBe(503);
      expect(refused.headers.connection).toBe('close');
      expect((await refused.body.json()) as unknown).toMatchObject({ errors: [{ code: 'UNAVAILABLE' }] });
    } finally {
      await holder.close();
      await bounded.close();
    }
  });

  it('lading serve prints an https:// URL and reloads on SIGHUP', async () => {
    const files = { cert: join(workDir, 'cli.crt'), key: join(workDir, 'cli.key') };
    await copyFile(first.certFile, files.cert);
    await copyFile(first.keyFile, files.key);
    const lading = await startMirrorProcess({ upstreamUrl: hub.url, config: { tls: files } });
    try {
      expect(lading.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await servedCommonName(lading.url, ca.pem)).toBe('first');
      await copyFile(second.certFile, files.cert);
      await copyFile(second.keyFile, files.key);
      process.kill(lading.pid, 'SIGHUP');
      await until(() => lading.output().includes('"msg":"tls certificate reloaded"'), 'the reload log line');
      expect(await servedCommonName(lading.url, ca.pem)).toBe('second');
    } finally {
      expect(await lading.stop()).toEqual({ code: 0, signal: null });
    }
  });
});
