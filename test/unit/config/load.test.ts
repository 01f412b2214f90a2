import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error.js';
import { loadConfig, type ConfigFlags } from '../../../src/config/load.js';

const SECRET = 'hunter2-but-longer';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lading-load-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeJson(relative: string, value: unknown): Promise<string> {
  const file = path.join(dir, relative);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(value, null, 2));
  return file;
}

function load(options: { flags?: ConfigFlags; env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return loadConfig({ flags: options.flags ?? {}, env: options.env ?? {}, cwd: options.cwd ?? dir });
}

async function loadError(options: Parameters<typeof load>[0]): Promise<ConfigError> {
  const error: unknown = await load(options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('loadConfig', () => {
  it('uses the embedded defaults when there is no file, with ./data under cwd', async () => {
    const { config, source } = await load();
    expect(source).toBe('embedded defaults');
    expect(config.dataDir).toBe(path.join(dir, 'data'));
    expect(config.listen).toEqual({ host: '0.0.0.0', port: 5000 });
    expect(config.upstreams.map((upstream) => upstream.url)).toEqual(['https://registry-1.docker.io']);
  });

  it('picks up ./mirror.config.json from cwd', async () => {
    const file = await writeJson('mirror.config.json', { listen: '127.0.0.1:0' });
    const { config, source } = await load();
    expect(source).toBe(file);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 0 });
  });

  it('prefers --config over LADING_CONFIG over ./mirror.config.json', async () => {
    await writeJson('mirror.config.json', { listen: ':1' });
    const fromEnv = await writeJson('env/lading.json', { listen: ':2' });
    const fromFlag = await writeJson('flag/lading.json', { listen: ':3' });
    expect((await load({ env: { LADING_CONFIG: fromEnv } })).config.listen.port).toBe(2);
    const both = await load({ env: { LADING_CONFIG: fromEnv }, flags: { config: 'flag/lading.json' } });
    expect(both.source).toBe(fromFlag);
    expect(both.config.listen.port).toBe(3);
  });

  it('fails when a named file does not exist', async () => {
    const byFlag = await loadError({ flags: { config: 'nope.json' } });
    expect(byFlag.message).toBe(`config file ${path.join(dir, 'nope.json')} does not exist (named by --config)`);
    const byEnv = await loadError({ env: { LADING_CONFIG: 'nope.json' } });
    expect(byEnv.message).toContain('(named by LADING_CONFIG)');
  });

  it('applies precedence defaults < file < env < flags, key by key', async () => {
    await writeJson('mirror.config.json', {
      listen: '127.0.0.1:1000',
      dataDir: 'from-file',
      cache: { maxSize: '1GiB' },
      shutdownGrace: '1s',
    });
    const fileOnly = (await load()).config;
    expect(fileOnly).toMatchObject({ listen: { port: 1000 }, cache: { maxSizeBytes: 1024 ** 3 }, shutdownGraceMs: 1000 });

    const env = {
      LADING_LISTEN: '127.0.0.1:2000',
      LADING_DATA_DIR: 'from-env',
      LADING_CACHE_MAX_SIZE: '2GiB',
      LADING_SHUTDOWN_GRACE: '2s',
      LADING_UPSTREAM: 'http://127.0.0.1:9/env',
    };
    const withEnv = (await load({ env })).config;
    expect(withEnv.listen.port).toBe(2000);
    expect(withEnv.dataDir).toBe(path.join(dir, 'from-env'));
    expect(withEnv.cache.maxSizeBytes).toBe(2 * 1024 ** 3);
    expect(withEnv.shutdownGraceMs).toBe(2000);
    expect(withEnv.upstreams[0]?.url).toBe('http://127.0.0.1:9/env');

    const flags = { listen: '127.0.0.1:3000', data: 'from-flag', upstream: 'http://127.0.0.1:9/flag' };
    const withFlags = (await load({ env, flags })).config;
    expect(withFlags.listen.port).toBe(3000);
    expect(withFlags.dataDir).toBe(path.join(dir, 'from-flag'));
    expect(withFlags.upstreams[0]?.url).toBe('http://127.0.0.1:9/flag');
    expect(withFlags.cache.maxSizeBytes).toBe(2 * 1024 ** 3);
  });

  it('treats empty LADING_* variables as unset', async () => {
    const { config } = await load({ env: { LADING_LISTEN: '', LADING_CONFIG: '', LADING_DATA_DIR: '' } });
    expect(config.listen.port).toBe(5000);
    expect(config.dataDir).toBe(path.join(dir, 'data'));
  });

  it('resolves dataDir against the file for file values and against cwd otherwise', async () => {
    const cwd = path.join(dir, 'work');
    await mkdir(cwd);
    const file = await writeJson('etc/lading.json', { dataDir: 'blobs' });
    expect((await load({ cwd, flags: { config: file } })).config.dataDir).toBe(path.join(dir, 'etc', 'blobs'));
    const other = await writeJson('etc/other.json', { listen: ':0' });
    expect((await load({ cwd, flags: { config: other } })).config.dataDir).toBe(path.join(cwd, 'data'));
    expect((await load({ cwd, flags: { config: file, data: 'flagged' } })).config.dataDir).toBe(path.join(cwd, 'flagged'));
    const fromEnv = await load({ cwd, flags: { config: file }, env: { LADING_DATA_DIR: 'env-dir' } });
    expect(fromEnv.config.dataDir).toBe(path.join(cwd, 'env-dir'));
  });

  it("replaces the defaults' upstreams with a file's and merges cache key by key", async () => {
    await writeJson('mirror.config.json', {
      upstreams: [{ name: 'ghcr.io', url: 'https://ghcr.io', tagTtl: '1m' }],
      cache: {},
    });
    const { config } = await load();
    expect(config.upstreams).toHaveLength(1);
    expect(config.upstreams[0]).toMatchObject({ name: 'ghcr.io', default: true, tagTtlMs: 60_000, maxConnections: 32 });
    expect(config.cache.maxSizeBytes).toBe(50 * 1024 ** 3);
  });

  it('points LADING_UPSTREAM at the upstream marked default', async () => {
    await writeJson('mirror.config.json', {
      upstreams: [
        { name: 'ghcr.io', url: 'https://ghcr.io' },
        { name: 'docker.io', url: 'https://registry-1.docker.io', default: true },
      ],
    });
    const { config } = await load({ env: { LADING_UPSTREAM: 'http://127.0.0.1:1/' } });
    expect(config.upstreams.map((upstream) => upstream.url)).toEqual(['https://ghcr.io', 'http://127.0.0.1:1']);
  });

  it('reads passwords relative to the config file and reports problems with the file as origin', async () => {
    await writeFile(path.join(dir, 'token'), `${SECRET}\n`);
    const file = await writeJson('mirror.config.json', {
      upstreams: [{ name: 'docker.io', url: 'https://registry-1.docker.io', username: 'bot', passwordFile: 'token' }],
    });
    const cwd = path.join(dir, 'elsewhere');
    await mkdir(cwd);
    const { config } = await load({ cwd, flags: { config: file } });
    expect(config.upstreams[0]?.password).toBe(SECRET);

    await writeJson('env.json', {
      upstreams: [{ name: 'docker.io', url: 'https://registry-1.docker.io', username: 'bot', passwordEnv: 'HUB_TOKEN' }],
    });
    const missing = await loadError({ flags: { config: 'env.json' } });
    expect(missing.message).toBe(
      `upstreams[0].passwordEnv: environment variable HUB_TOKEN is not set or is empty (in ${path.join(dir, 'env.json')})`,
    );
    const loaded = await load({ flags: { config: 'env.json' }, env: { HUB_TOKEN: SECRET } });
    expect(loaded.config.upstreams[0]?.passwordSource).toBe('env:HUB_TOKEN');
  });

  it('says which source held a bad value', async () => {
    const file = await writeJson('mirror.config.json', { upstreams: [{ name: 'docker.io', url: 'https://x.example', tagTTL: '5m' }] });
    const fromFile = await loadError({});
    expect(fromFile.path).toBe('upstreams[0].tagTTL');
    expect(fromFile.message).toMatch(/^upstreams\[0\]\.tagTTL: unknown key \(expected one of: name, url, /);
    expect(fromFile.message).toContain(`(in ${file})`);
    await rm(file);

    expect((await loadError({ env: { LADING_LISTEN: 'nope' } })).message).toBe(
      'listen: expected "host:port", "[ipv6]:port" or ":port", got "nope" (from LADING_LISTEN)',
    );
    expect((await loadError({ flags: { listen: 'nope' } })).message).toContain('(from --listen)');
    expect((await loadError({ env: { LADING_CACHE_MAX_SIZE: '5G' } })).message).toMatch(
      /^cache\.maxSize: "5G" is ambiguous.*\(from LADING_CACHE_MAX_SIZE\)$/,
    );
    expect((await loadError({ env: { LADING_SHUTDOWN_GRACE: '10' } })).path).toBe('shutdownGrace');
    const url = await loadError({ flags: { upstream: `https://bot:${SECRET}@example.com` } });
    expect(url.message).toMatch(/^upstreams\[0\]\.url: must not hold credentials.*\(from --upstream\)$/);
    expect(url.message).not.toContain(SECRET);
  });

  it('reports invalid JSON with the file path and the position', async () => {
    const file = path.join(dir, 'mirror.config.json');
    await writeFile(file, '{\n  "listen": ":5000"\n  "dataDir": "x"\n}\n');
    const error = await loadError({});
    expect(error.message).toMatch(new RegExp(`^${escape(file)}: invalid JSON: .*at position 24 \\(line 3, column 3\\)$`));

    await writeFile(file, '{"listen": }');
    expect((await loadError({})).message).toMatch(/invalid JSON: Unexpected token/);
    await writeFile(file, '[]');
    expect((await loadError({})).message).toBe(`${file}: expected a JSON object at the top level, got an array`);
  });

  it('accepts a file that starts with a UTF-8 byte order mark', async () => {
    await writeFile(path.join(dir, 'mirror.config.json'), '\uFEFF{"listen": ":7"}');
    expect((await load()).config.listen.port).toBe(7);
  });

  it('rejects reserved keys in the file', async () => {
    await writeJson('mirror.config.json', { store: {} });
    expect((await loadError({})).path).toBe('store');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
