// Validation of the access and hostile-input keys (issue 8): `tls`, `auth`, `trustProxy`,
// `maxConnections` and `upstreams[].allow|deny`. Same rules as validate.ts: strict keys, messages
// naming the key path, files read at load so a bad one stops startup.

import { isIP } from 'node:net';
import path from 'node:path';
import { HtpasswdError, readHtpasswd } from '../auth/htpasswd.js';
import { ConfigError, describeValue } from './config-error.js';
import type { ClientAuthConfig, TlsConfig } from './schema.js';
import { readTlsPair, TlsPairError } from './tls-pair.js';

const TLS_KEYS = ['cert', 'key'] as const;
const AUTH_KEYS = ['htpasswd'] as const;
const MAX_SERVER_CONNECTIONS = 1_000_000;
/** Repository-name characters plus `*`; components cannot be empty. */
const REPOSITORY_PATTERN = /^(?:[a-z0-9._*-]+)(?:\/[a-z0-9._*-]+)*$/;

/** `{cert, key}`: PEM paths relative to the config file; the pair must load and match. */
export function validateTls(value: unknown, baseDir: string): TlsConfig | undefined {
  if (value === undefined) return undefined;
  const tls = expectKeys(value, 'tls', TLS_KEYS);
  const files = { certFile: filePath(tls.cert, 'tls.cert', baseDir), keyFile: filePath(tls.key, 'tls.key', baseDir) };
  try {
    readTlsPair(files);
  } catch (error) {
    if (error instanceof TlsPairError) throw new ConfigError(`tls.${error.key}`, error.message);
    throw error;
  }
  return files;
}

/** `{htpasswd}`: a file of bcrypt entries, relative to the config file; read and parsed now. */
export function validateClientAuth(value: unknown, baseDir: string): ClientAuthConfig | undefined {
  if (value === undefined) return undefined;
  const auth = expectKeys(value, 'auth', AUTH_KEYS);
  const htpasswdFile = filePath(auth.htpasswd, 'auth.htpasswd', baseDir);
  try {
    readHtpasswd(htpasswdFile);
  } catch (error) {
    if (error instanceof HtpasswdError) throw new ConfigError('auth.htpasswd', error.message);
    throw error;
  }
  return { htpasswdFile };
}

/** Addresses or CIDRs, IPv4 or IPv6: `["10.0.0.0/8", "127.0.0.1", "fd00::/8"]`. */
export function validateTrustProxy(value: unknown): string[] {
  if (!Array.isArray(value)) throw new ConfigError('trustProxy', `expected a list of addresses or CIDRs like ["10.0.0.0/8"], got ${describeValue(value)}`);
  return value.map((entry, index) => {
    const at = `trustProxy[${index}]`;
    const expected = `expected an IP address or CIDR like "10.0.0.0/8" or "::1", got ${describeValue(entry)}`;
    if (typeof entry !== 'string') throw new ConfigError(at, expected);
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) throw new ConfigError(at, expected);
    if (prefix !== undefined) {
      const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
      const maxBits = family === 4 ? 32 : 128;
      if (bits < 0 || bits > maxBits) throw new ConfigError(at, `prefix length must be from 0 to ${maxBits}, got ${describeValue(entry)}`);
    }
    return entry.toLowerCase();
  });
}

export function validateServerMaxConnections(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SERVER_CONNECTIONS) {
    throw new ConfigError('maxConnections', `expected an integer from 1 to ${MAX_SERVER_CONNECTIONS}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * `allow` / `deny` of an upstream: glob patterns on the upstream-side repository name
 * (`library/alpine`), `*` within a path component, `**` across components.
 */
export function validateRepositoryPatterns(value: unknown, at: string): string[] | undefined {
  if (value === undefined) return undefined;
  const expected = 'expected a list of repository patterns like ["library/*", "myorg/**"]';
  if (!Array.isArray(value)) throw new ConfigError(at, `${expected}, got ${describeValue(value)}`);
  return value.map((pattern, index) => {
    if (typeof pattern !== 'string' || !REPOSITORY_PATTERN.test(pattern) || pattern.includes('***') || pattern.length > 255) {
      throw new ConfigError(`${at}[${index}]`, `expected a lowercase repository name with * or ** like "library/*", got ${describeValue(pattern)}`);
    }
    return pattern;
  });
}

function filePath(value: unknown, at: string, baseDir: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(at, `expected the path of a file, got ${describeValue(value)}`);
  return path.resolve(baseDir, value);
}

function expectKeys(value: unknown, at: string, keys: readonly string[]): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(at, `expected an object, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw new ConfigError(`${at}.${key}`, `unknown key (expected one of: ${keys.join(', ')})`);
  }
  for (const key of keys) {
    if ((value as Record<string, unknown>)[key] === undefined) throw new ConfigError(`${at}.${key}`, 'required');
  }
  return value as Record<string, unknown>;
}
