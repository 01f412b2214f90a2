import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { redactedConfig } from '../../../src/config/redact.js';
import { validateConfig } from '../../../src/config/validate.js';

// auth, trustProxy, maxConnections and upstreams[].allow|deny (tls needs real certificates: see
// test/integration/security-tls.test.ts).

const BCRYPT_LINE = 'alice:$2y$04$TIrg8XLSdzgNtjuFqWbfZufCABJxWfkdFAW8kT/Be86eRpQR.2xYW\n';
let dir: string;

function errorFor(raw: unknown): ConfigError {
  try {
    validateConfig(raw, { env: {}, baseDir: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected validateConfig to throw');
}

const hub = (extra: Record<string, unknown>): Record<string, unknown> => ({ name: 'docker.io', url: 'https://registry-1.docker.io', ...extra });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lading-security-keys-'));
  await writeFile(path.join(dir, 'htpasswd'), BCRYPT_LINE);
  await writeFile(path.join(dir, 'md5.htpasswd'), 'bob:$apr1$abcdefgh$0123456789abcdefghijkl\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('auth', () => {
  it('is off by default and takes an htpasswd path relative to the config file', () => {
    expect(validateConfig({}, { env: {}, baseDir: dir }).auth).toBeUndefined();
    expect(validateConfig({ auth: { htpasswd: 'htpasswd' } }, { env: {}, baseDir: dir }).auth).toEqual({ htpasswdFile: path.join(dir, 'htpasswd') });
  });

  it('names the key for a missing, unreadable or non-bcrypt file and for unknown keys', () => {
    expect(errorFor({ auth: {} }).message).toBe('auth.htpasswd: required');
    expect(errorFor({ auth: { htpasswd: 'nope' } }).message).toBe(`auth.htpasswd: cannot read ${path.join(dir, 'nope')} (ENOENT)`);
    expect(errorFor({ auth: { htpasswd: 'md5.htpasswd' } }).message).toBe(
      `auth.htpasswd: ${path.join(dir, 'md5.htpasswd')}: line 1: user "bob" has no bcrypt hash (write entries with htpasswd -B)`,
    );
    expect(errorFor({ auth: { htpasswd: 'htpasswd', realm: 'x' } }).message).toBe('auth.realm: unknown key (expected one of: htpasswd)');
    expect(errorFor({ auth: 'htpasswd' }).message).toBe('auth: expected an object, got "htpasswd"');
  });
});

describe('trustProxy', () => {
  it('defaults to none and takes IPv4/IPv6 addresses and CIDRs', () => {
    expect(validateConfig({}, { env: {}, baseDir: dir }).trustProxy).toEqual([]);
    const list = ['10.0.0.0/8', '127.0.0.1', 'FD00::/8', '::1'];
    expect(validateConfig({ trustProxy: list }, { env: {}, baseDir: dir }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::1']);
  });

  it.each([
    ['10.0.0.0/33', 'trustProxy[0]: prefix length must be from 0 to 32, got "10.0.0.0/33"'],
    ['::/129', 'trustProxy[0]: prefix length must be from 0 to 128, got "::/129"'],
    ['10.0.0.0/x', 'trustProxy[0]: prefix length must be from 0 to 32'],
    ['proxy.local', 'trustProxy[0]: expected an IP address or CIDR like "10.0.0.0/8" or "::1", got "proxy.local"'],
    ['1.2.3.4/8/8', 'trustProxy[0]: expected an IP address or CIDR'],
    [5, 'trustProxy[0]: expected an IP address or CIDR'],
  ] as const)('rejects %j', (entry, message) => {
    expect(errorFor({ trustProxy: [entry] }).message).toContain(message);
  });

  it('must be a list', () => {
    expect(errorFor({ trustProxy: '10.0.0.0/8' }).path).toBe('trustProxy');
  });
});

describe('maxConnections', () => {
  it('defaults to 4096 and takes an integer from 1 to 1000000', () => {
    expect(validateConfig({}, { env: {}, baseDir: dir }).maxConnections).toBe(4096);
    expect(validateConfig({ maxConnections: 1 }, { env: {}, baseDir: dir }).maxConnections).toBe(1);
    for (const bad of [0, 1_000_001, 2.5, '100']) {
      expect(errorFor({ maxConnections: bad }).message).toMatch(/^maxConnections: expected an integer from 1 to 1000000, got /);
    }
  });
});

describe('upstreams[].allow / deny', () => {
  it('are absent by default and kept as given', () => {
    const config = validateConfig({ upstreams: [hub({ allow: ['library/*', 'myorg/**'], deny: ['library/evil'] })] }, { env: {}, baseDir: dir });
    expect(config.upstreams[0]).toMatchObject({ allow: ['library/*', 'myorg/**'], deny: ['library/evil'] });
    expect(validateConfig({}, { env: {}, baseDir: dir }).upstreams[0]).not.toHaveProperty('allow');
  });

  it.each(['Library/*', 'a//b', '/a', 'a/', 'a/***', '', 'a b', 'a?b'])('rejects the pattern %j naming its index', (pattern) => {
    expect(errorFor({ upstreams: [hub({ deny: ['ok/*', pattern] })] }).path).toBe('upstreams[0].deny[1]');
  });

  it('must be lists', () => {
    expect(errorFor({ upstreams: [hub({ allow: 'library/*' })] }).message).toBe(
      'upstreams[0].allow: expected a list of repository patterns like ["library/*", "myorg/**"], got "library/*"',
    );
  });
});

describe('--print-config', () => {
  it('shows the new keys (paths, never file contents)', () => {
    const config = validateConfig(
      { auth: { htpasswd: 'htpasswd' }, trustProxy: ['10.0.0.0/8'], maxConnections: 100, upstreams: [hub({ deny: ['x/*'] })] },
      { env: {}, baseDir: dir },
    );
    const printed = redactedConfig(config) as Record<string, unknown> & { upstreams: Record<string, unknown>[] };
    expect(printed.auth).toEqual({ htpasswd: path.join(dir, 'htpasswd') });
    expect(printed.trustProxy).toEqual(['10.0.0.0/8']);
    expect(printed.maxConnections).toBe(100);
    expect(printed.upstreams[0]?.deny).toEqual(['x/*']);
    expect(JSON.stringify(printed)).not.toContain('$2y$');
  });
});
