import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

// A throw-away CA and server certificates made with the openssl CLI, for TLS tests: the server
// certificate names 127.0.0.1, ::1 and localhost (SANs: Go clients ignore the CN), valid two days.

const run = promisify(execFile);
const OPENSSL_TIMEOUT_MS = 30_000;
/** P-256 keys: generated in milliseconds, accepted by Node, Go (skopeo, dockerd, containerd). */
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export interface TestCa {
  certFile: string;
  keyFile: string;
  /** PEM text of the CA certificate. */
  pem: string;
  dir: string;
}

export interface TestServerCertificate {
  certFile: string;
  keyFile: string;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: OPENSSL_TIMEOUT_MS });
  } catch (error) {
    throw new Error(`openssl ${args.join(' ')} failed: ${(error as { stderr?: string }).stderr ?? String(error)}`);
  }
}

export async function createTestCa(dir: string, name = 'lading test CA'): Promise<TestCa> {
  await mkdir(dir, { recursive: true });
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  await openssl(
    [
      'req', '-x509', ...KEY_ARGS, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return { certFile, keyFile, pem: await readFile(certFile, 'utf8'), dir };
}

/** A server certificate signed by `ca`, written as `<name>.crt` / `<name>.key` in the CA's dir. */
export async function createServerCertificate(ca: TestCa, name: string, commonName = name): Promise<TestServerCertificate> {
  const certFile = join(ca.dir, `${name}.crt`);
  const keyFile = join(ca.dir, `${name}.key`);
  const csr = join(ca.dir, `${name}.csr`);
  const extensions = join(ca.dir, `${name}.ext`);
  await writeFile(
    extensions,
    [
      'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost',
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  await openssl(['req', ...KEY_ARGS, '-keyout', keyFile, '-out', csr, '-subj', `/CN=${commonName}`], ca.dir);
  await openssl(
    ['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', certFile, '-days', '2', '-extfile', extensions],
    ca.dir,
  );
  return { certFile, keyFile };
}
