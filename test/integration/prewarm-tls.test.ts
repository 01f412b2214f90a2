// `lading prewarm` against an https mirror: `--ca FILE` trusts a private CA, `--insecure` skips
// verification, neither fails with the TLS error. lading serves plain HTTP, so an https
// front on 127.0.0.1 (certificate made by openssl for this run) forwards to the in-process lading.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream } from '../support/fake-upstream/fake-upstream.js';
import { runCli, type CliRun } from '../support/run-cli.js';
import { startTestMirror, type TestMirror } from '../support/start-mirror.js';

const RUN_TIMEOUT_MS = 20_000;
const hasOpenssl = ['/usr/bin/openssl', '/usr/local/bin/openssl', '/bin/openssl'].some(existsSync);

/** Runs `lading prewarm ARGS` trusting only what the arguments say: no extra CA, no disabled verification. */
function runPrewarm(args: string[]): Promise<CliRun> {
  return runCli(['prewarm', ...args], { unsetEnv: ['NODE_EXTRA_CA_CERTS', 'NODE_TLS_REJECT_UNAUTHORIZED'], timeoutMs: RUN_TIMEOUT_MS });
}

// No silent skip: a machine without openssl fails here (.ci/install-deps.sh installs it).
describe('lading prewarm against an https mirror', () => {
  beforeAll(() => {
    if (!hasOpenssl) throw new Error('openssl is required for this test: install it (sudo .ci/install-deps.sh)');
  });
  let hub: FakeUpstream;
  let mirror: TestMirror;
  let front: Server;
  let frontUrl: string;
  let certDir: string;
  let caFile: string;

  beforeAll(async () => {
    certDir = await mkdtemp(join(tmpdir(), 'lading-prewarm-tls-'));
    caFile = join(certDir, 'cert.pem');
    const keyFile = join(certDir, 'key.pem');
    // A self-signed certificate for 127.0.0.1 is its own CA.
    await promisify(execFile)(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', caFile, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'],
      { timeout: 15_000 },
    );
    hub = await FakeUpstream.start();
    mirror = await startTestMirror({ upstreams: [{ name: 'docker.io', url: hub.url }] });
    front = createServer({ cert: await readFile(caFile), key: await readFile(keyFile) }, (incoming, outgoing) => {
      const headers = { ...incoming.headers };
      delete headers.host;
      delete headers.connection;
      request(`${mirror.url}${incoming.url ?? '/'}`, { method: incoming.method as 'GET', headers, body: incoming.method === 'POST' ? incoming : null }).then(
        async (response) => {
          outgoing.writeHead(response.statusCode, response.headers as Record<string, string>);
          await pipeline(response.body, outgoing);
        },
        () => outgoing.destroy(),
      );
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (front) {
      front.closeAllConnections();
      await new Promise((resolve) => front.close(resolve));
    }
    await mirror?.close();
    await hub?.stop();
    if (certDir) await rm(certDir, { recursive: true, force: true });
  });

  it('refuses an unknown certificate, trusts it with --ca, and skips verification with --insecure', async () => {
    hub.addImage('library/tls', '1');

    const untrusted = await runPrewarm(['--mirror', frontUrl, 'tls:1']);
    const withCa = await runPrewarm(['--mirror', frontUrl, '--ca', caFile, 'tls:1']);
    const insecure = await runPrewarm(['--mirror', frontUrl, '--insecure', 'tls:1']);

    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr).toMatch(/^lading: cannot reach the mirror at https:\/\/127\.0\.0\.1:\d+: .*(self-signed|SELF_SIGNED)/);
    expect(withCa.stderr).toBe('');
    expect(withCa.code).toBe(0);
    expect(withCa.stdout).toMatch(/^tls:1: 2\/2 blobs, .*, from cache 0 B$/m);
    expect(insecure.code).toBe(0);
    expect(insecure.stdout).toMatch(/^tls:1: 2\/2 blobs, .*, from upstream 0 B, /m);
  });
});
