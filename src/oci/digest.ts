import { createHash, type Hash } from 'node:crypto';
import { RegistryError } from './registry-error.js';

/** A validated `algorithm:hex` digest of a supported algorithm (sha256 or sha512). */
export type Digest = string & { readonly __brand: 'Digest' };

export type DigestAlgorithm = 'sha256' | 'sha512';

const HEX_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha512: 128 };
// image-spec descriptor.md: algorithm-component [a-z0-9]+ joined by [+._-], encoded [a-zA-Z0-9=_-]+.
const GENERAL_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** Parses a digest; throws DIGEST_INVALID for anything malformed or of an unsupported algorithm. */
export function parseDigest(text: string): Digest {
  if (text.length > 200 || !GENERAL_DIGEST.test(text)) {
    throw new RegistryError('DIGEST_INVALID', 'invalid digest', { detail: { digest: truncate(text) } });
  }
  const [algorithm, hex] = text.split(':') as [string, string];
  if (!(algorithm in HEX_LENGTH)) {
    throw new RegistryError('DIGEST_INVALID', `unsupported digest algorithm "${truncate(algorithm)}"`, {
      detail: { supported: Object.keys(HEX_LENGTH) },
    });
  }
  const expected = HEX_LENGTH[algorithm as DigestAlgorithm];
  if (hex.length !== expected || !/^[0-9a-f]+$/.test(hex)) {
    throw new RegistryError('DIGEST_INVALID', `${algorithm} digest must be ${expected} lowercase hex characters`);
  }
  return text as Digest;
}

export function isDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

export function digestHex(digest: Digest): string {
  return digest.slice(digest.indexOf(':') + 1);
}

/** Incremental hasher for the digest's own algorithm. */
export function createDigester(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

export function digestOf(bytes: Uint8Array, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}` as Digest;
}

function truncate(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
