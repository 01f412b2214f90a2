import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { TlsConfig } from './schema.js';

// The server certificate and key lading serves HTTPS with. Read and checked at load (a bad pair
// is a config error) and again on SIGHUP (a bad pair then keeps the old one), so both use this.

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

/** A pair that cannot be used: `key` says which config key (`cert` or `key`) to blame. */
export class TlsPairError extends Error {
  override name = 'TlsPairError';
  constructor(
    readonly key: 'cert' | 'key',
    message: string,
  ) {
    super(message);
  }
}

export function readTlsPair(files: TlsConfig): TlsPair {
  const cert = readPem(files.certFile, 'cert', /-----BEGIN CERTIFICATE-----/, 'certificate');
  const key = readPem(files.keyFile, 'key', /-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'private key');
  try {
    // Throws when the key does not belong to the certificate ("key values mismatch").
    createSecureContext({ cert, key });
  } catch (error) {
    throw new TlsPairError('key', `${files.keyFile} cannot be used with ${files.certFile} (${(error as Error).message})`);
  }
  return { cert, key };
}

function readPem(file: string, key: 'cert' | 'key', marker: RegExp, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new TlsPairError(key, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  if (!marker.test(bytes.toString('latin1'))) throw new TlsPairError(key, `${file} holds no PEM ${what}`);
  return bytes;
}
