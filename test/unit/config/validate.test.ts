import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { validateConfig, type ValidationContext } from '../../../src/config/validate.js';

const SECRET = 's3cr3t-Pa55word';
const baseDir = path.resolve('/srv/lading');
const context: ValidationContext = { env: { HUB_TOKEN: SECRET, EMPTY: '' }, baseDir };

function hub(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'docker.io', url: 'https://registry-1.docker.io', default: true, ...extra };
}

/** The ConfigError thrown for `raw`, checking that it is one. */
function errorFor(raw: unknown, ctx: ValidationContext = context): ConfigError {
  try {
    validateConfig(raw, ctx);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected validateConfig to throw');
}

describe('validateConfig', () => {
  it('fills every missing key from the embedded defaults', () => {
    const config = validateConfig({}, context);
    expect(config).toEqual({
      listen: { host: '0.0.0.0', port: 5000 },
      dataDir: path.join(baseDir, 'data'),
      upstreams: [
        {
          name: 'docker.io',
          url: 'https://registry-1.docker.io',
          aliases: [],
          default: true,
          tagTtlMs: 300_000,
          negativeTtlMs: 30_000,
          maxConnections: 32,
          timeouts: { connectMs: 10_000, headersMs: 30_000, bodyIdleMs: 60_000 },
        },
      ],
      cache: { maxSizeBytes: 50 * 1024 ** 3 },
      shutdownGraceMs: 10_000,
      offline: false,
      admin: { protectStats: false },
      pins: [],
      trustProxy: [],
      maxConnections: 4096,
    });
  });

  it.each([
    ['127.0.0.1:8080', { host: '127.0.0.1', port: 8080 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
    [':5000', { host: '0.0.0.0', port: 5000 }],
    ['[::1]:5000', { host: '::1', port: 5000 }],
    ['[::]:65535', { host: '::', port: 65535 }],
  ] as const)('parses listen %j', (listen, expected) => {
    expect(validateConfig({ listen }, context).listen).toEqual(expected);
  });

  it.each([
    [5, 'listen: expected "host:port", got 5'],
    ['5000', 'listen: expected "host:port", "[ipv6]:port" or ":port", got "5000"'],
    ['::1:5000', 'listen: expected "host:port"'],
    ['[nothost]:5000', 'listen: expected "host:port"'],
    ['host:', 'listen: expected "host:port"'],
    ['host:-1', 'listen: expected "host:port"'],
    ['host:65536', 'listen: port must be from 0 to 65535, got "host:65536"'],
    ['bad host:80', 'listen: expected "host:port"'],
  ] as const)('rejects listen %j', (listen, message) => {
    expect(errorFor({ listen }).message).toContain(message);
    expect(errorFor({ listen }).path).toBe('listen');
  });

  it('resolves a relative dataDir against baseDir and keeps an absolute one', () => {
    expect(validateConfig({ dataDir: 'cache/blobs' }, context).dataDir).toBe(path.join(baseDir, 'cache/blobs'));
    const absolute = path.resolve('/var/lib/lading');
    expect(validateConfig({ dataDir: absolute }, context).dataDir).toBe(absolute);
    expect(errorFor({ dataDir: '' }).message).toBe('dataDir: expected a directory path, got ""');
  });

  it('names the key path in unknown-key errors, at every level', () => {
    expect(errorFor({ store: {} }).message).toBe(
      'store: unknown key (expected one of: listen, dataDir, upstreams, cache, shutdownGrace, offline, admin, pins, tls, auth, trustProxy, maxConnections)',
    );
    expect(errorFor({ upstreams: [hub({ tagTTL: '5m' })] }).message).toMatch(
      /^upstreams\[0\]\.tagTTL: unknown key \(expected one of: name, url, aliases, caFile, default, username, passwordEnv, passwordFile, tagTtl, /,
    );
    expect(errorFor({ upstreams: [hub({ timeouts: { read: '1s' } })] }).path).toBe('upstreams[0].timeouts.read');
    expect(errorFor({ cache: { maxsize: '1GiB' } }).message).toBe('cache.maxsize: unknown key (expected one of: maxSize)');
  });

  it.each(['store'])('does not accept the reserved key %s yet', (key) => {
    expect(errorFor({ [key]: {} }).path).toBe(key);
  });

  it('names the key path and the expectation for wrong values', () => {
    const raw = { upstreams: [hub(), { name: 'ghcr.io', url: 'https://ghcr.io', tagTtl: 5 }] };
    expect(errorFor(raw).message).toBe('upstreams[1].tagTtl: expected a duration like "5m", got 5');
    expect(errorFor({ cache: { maxSize: '50G' } }).path).toBe('cache.maxSize');
    expect(errorFor({ shutdownGrace: '10' }).message).toBe(
      'shutdownGrace: expected a duration like "5m", got "10" (units: d, h, m, s, ms)',
    );
    expect(errorFor({ cache: 5 }).message).toBe('cache: expected an object, got 5');
    expect(errorFor([]).message).toBe('expected a JSON object at the top level, got an array');
    expect(errorFor({ upstreams: [hub({ default: 'yes' })] }).message).toBe(
      'upstreams[0].default: expected true or false, got "yes"',
    );
  });

  it('checks timeouts and maxConnections ranges', () => {
    expect(errorFor({ upstreams: [hub({ timeouts: { connect: '0s' } })] }).message).toBe(
      'upstreams[0].timeouts.connect: expected a duration greater than 0, got "0s"',
    );
    expect(errorFor({ upstreams: [hub({ timeouts: { bodyIdle: '30d' } })] }).path).toBe('upstreams[0].timeouts.bodyIdle');
    expect(errorFor({ shutdownGrace: '25d' }).path).toBe('shutdownGrace');
    expect(validateConfig({ shutdownGrace: '0s' }, context).shutdownGraceMs).toBe(0);
    for (const bad of [0, 1025, 1.5, '32']) {
      expect(errorFor({ upstreams: [hub({ maxConnections: bad })] }).message).toMatch(
        /^upstreams\[0\]\.maxConnections: expected an integer from 1 to 1024, got /,
      );
    }
    const upstream = validateConfig({ upstreams: [hub({ maxConnections: 1024, timeouts: { headers: '1m' } })] }, context)
      .upstreams[0];
    expect(upstream?.maxConnections).toBe(1024);
    expect(upstream?.timeouts).toEqual({ connectMs: 10_000, headersMs: 60_000, bodyIdleMs: 60_000 });
  });

  describe('upstream names', () => {
    it.each(['docker.io', 'ghcr.io', 'registry.local', 'a', 'quay-mirror.example.com', '10.0.0.1'])('accepts %j', (name) => {
      expect(validateConfig({ upstreams: [hub({ name })] }, context).upstreams[0]?.name).toBe(name);
    });

    it.each([
      ['localhost:5000', 'cannot hold ":" or "/"'],
      ['ghcr.io/org', 'cannot hold ":" or "/"'],
      ['GHCR.io', 'expected a lowercase name'],
      ['-ghcr.io', 'expected a lowercase name'],
      ['ghcr.io.', 'expected a lowercase name'],
      ['', 'expected a lowercase name'],
      [5, 'expected a registry host name like "ghcr.io", got 5'],
      [undefined, 'required'],
    ])('rejects %j', (name, message) => {
      const error = errorFor({ upstreams: [{ url: 'https://ghcr.io', name }] });
      expect(error.path).toBe('upstreams[0].name');
      expect(error.message).toContain(message);
    });

    it('rejects duplicates, treating the Docker Hub host names as one registry', () => {
      const twice = errorFor({ upstreams: [hub(), { name: 'docker.io', url: 'https://mirror.example' }] });
      expect(twice.message).toBe('upstreams[1].name: "docker.io" is already used by upstreams[0]');
      const alias = errorFor({ upstreams: [hub(), { name: 'index.docker.io', url: 'https://mirror.example' }] });
      expect(alias.path).toBe('upstreams[1].name');
      expect(alias.message).toContain('are one registry');
    });
  });

  describe('upstream URLs', () => {
    it.each([
      ['https://ghcr.io/', 'https://ghcr.io'],
      ['http://127.0.0.1:5001', 'http://127.0.0.1:5001'],
      ['https://HARBOR.example:443/proxy/hub//', 'https://harbor.example/proxy/hub'],
    ])('normalises %j to %j', (url, expected) => {
      expect(validateConfig({ upstreams: [hub({ url })] }, context).upstreams[0]?.url).toBe(expected);
    });

    it.each([
      ['ftp://ghcr.io', 'expected an http or https URL'],
      ['ghcr.io', 'expected an http or https URL'],
      ['https://ghcr.io/?x=1', 'must not have a query or fragment'],
      ['https://ghcr.io/#top', 'must not have a query or fragment'],
      ['https://ghcr.io/v2/', 'leave out the trailing /v2'],
      [42, 'expected an http or https URL like "https://ghcr.io", got 42'],
    ])('rejects %j', (url, message) => {
      const error = errorFor({ upstreams: [hub({ url })] });
      expect(error.path).toBe('upstreams[0].url');
      expect(error.message).toContain(message);
    });

    it('rejects credentials in the URL without echoing them', () => {
      for (const url of [`https://user:${SECRET}@ghcr.io`, `https://user:${SECRET}@ghcr io`]) {
        const error = errorFor({ upstreams: [hub({ url })] });
        expect(error.path).toBe('upstreams[0].url');
        expect(error.message).not.toContain(SECRET);
      }
      expect(errorFor({ upstreams: [hub({ url: `https://u:${SECRET}@ghcr.io` })] }).message).toContain('would leak');
    });
  });

  describe('default upstream', () => {
    it('makes a single upstream the default even when it does not say so', () => {
      const config = validateConfig({ upstreams: [{ name: 'ghcr.io', url: 'https://ghcr.io' }] }, context);
      expect(config.upstreams[0]?.default).toBe(true);
    });

    it('needs exactly one default among several', () => {
      const none = errorFor({ upstreams: [{ name: 'a', url: 'https://a.example' }, { name: 'b', url: 'https://b.example' }] });
      expect(none.message).toMatch(/^upstreams: exactly one upstream needs "default": true .*got none$/);
      const two = errorFor({ upstreams: [hub(), { name: 'b', url: 'https://b.example', default: true }] });
      expect(two.message).toMatch(/got "docker\.io", "b"$/);
      const config = validateConfig({ upstreams: [{ name: 'b', url: 'https://b.example' }, hub()] }, context);
      expect(config.upstreams.map((upstream) => upstream.default)).toEqual([false, true]);
    });

    it('rejects an empty or missing list', () => {
      expect(errorFor({ upstreams: [] }).message).toBe('upstreams: expected a non-empty array of upstreams, got an array');
      expect(errorFor({ upstreams: {} }).path).toBe('upstreams');
    });
  });

  describe('credentials', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'lading-validate-'));
      await writeFile(path.join(dir, 'token'), `${SECRET}\n`);
      await writeFile(path.join(dir, 'empty'), '\n');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it('reads the password from an env var', () => {
      const upstream = validateConfig({ upstreams: [hub({ username: 'bot', passwordEnv: 'HUB_TOKEN' })] }, context)
        .upstreams[0];
      expect(upstream).toMatchObject({ username: 'bot', password: SECRET, passwordSource: 'env:HUB_TOKEN' });
    });

    it('reads the password from a file relative to baseDir, trimming the trailing newline', () => {
      const upstream = validateConfig({ upstreams: [hub({ username: 'bot', passwordFile: 'token' })] }, { env: {}, baseDir: dir })
        .upstreams[0];
      expect(upstream?.password).toBe(SECRET);
      expect(upstream?.passwordSource).toBe(`file:${path.join(dir, 'token')}`);
    });

    it.each([
      [{ passwordEnv: 'HUB_TOKEN' }, 'upstreams[0].username: required with passwordEnv'],
      [{ passwordFile: 'token' }, 'upstreams[0].username: required with passwordFile'],
      [{ username: 'bot' }, 'upstreams[0].username: needs passwordEnv or passwordFile'],
      [{ username: 'bot', passwordEnv: 'HUB_TOKEN', passwordFile: 'token' }, 'upstreams[0].passwordFile: cannot be combined'],
      [{ username: 'a:b', passwordEnv: 'HUB_TOKEN' }, 'upstreams[0].username: expected a non-empty user name without ":"'],
      [{ username: 'bot', passwordEnv: 'MISSING' }, 'upstreams[0].passwordEnv: environment variable MISSING is not set or is empty'],
      [{ username: 'bot', passwordEnv: 'EMPTY' }, 'upstreams[0].passwordEnv: environment variable EMPTY is not set or is empty'],
      [{ username: 'bot', passwordEnv: SECRET + '!' }, 'upstreams[0].passwordEnv: expected the name of an environment variable'],
      [{ username: 'bot', passwordFile: 'missing' }, 'upstreams[0].passwordFile: cannot read'],
      [{ username: 'bot', passwordFile: 'empty' }, 'empty is empty'],
    ])('rejects %j without showing a secret', (credentials, message) => {
      const error = errorFor({ upstreams: [hub(credentials)] }, { env: context.env, baseDir: dir });
      expect(error.message).toContain(message);
      expect(error.message).not.toContain(SECRET);
    });

    it('rejects a password with a control character without showing it', () => {
      const error = errorFor({ upstreams: [hub({ username: 'bot', passwordEnv: 'BAD' })] }, { env: { BAD: `${SECRET}\nx` }, baseDir });
      expect(error.message).toBe('upstreams[0].passwordEnv: the password holds a control character (value not shown)');
    });
  });
});
