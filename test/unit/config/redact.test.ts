import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactedConfig } from '../../../src/config/redact.js';
import { validateConfig } from '../../../src/config/validate.js';

const ENV_SECRET = 'env-s3cret-value';
const FILE_SECRET = 'file-s3cret-value';

describe('redactedConfig', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lading-redact-'));
    await writeFile(path.join(dir, 'ghcr-token'), `${FILE_SECRET}\n`);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  function config() {
    return validateConfig(
      {
        listen: '[::1]:5000',
        dataDir: 'data',
        upstreams: [
          { name: 'docker.io', url: 'https://registry-1.docker.io', default: true, username: 'bot', passwordEnv: 'HUB_TOKEN' },
          { name: 'ghcr.io', url: 'https://ghcr.io', username: 'me', passwordFile: 'ghcr-token', tagTtl: '1h30m' },
          { name: 'quay.io', url: 'https://quay.io' },
        ],
        cache: { maxSize: '1.5GB' },
        shutdownGrace: '0s',
      },
      { env: { HUB_TOKEN: ENV_SECRET }, baseDir: dir },
    );
  }

  it('formats units and names the password source instead of the password', () => {
    expect(redactedConfig(config())).toEqual({
      listen: '[::1]:5000',
      dataDir: path.join(dir, 'data'),
      upstreams: [
        {
          name: 'docker.io',
          url: 'https://registry-1.docker.io',
          default: true,
          username: 'bot',
          password: '<redacted from env:HUB_TOKEN>',
          tagTtl: '5m',
          negativeTtl: '30s',
          maxConnections: 32,
          timeouts: { connect: '10s', headers: '30s', bodyIdle: '1m' },
        },
        {
          name: 'ghcr.io',
          url: 'https://ghcr.io',
          default: false,
          username: 'me',
          password: `<redacted from file:${path.join(dir, 'ghcr-token')}>`,
          tagTtl: '1h30m',
          negativeTtl: '30s',
          maxConnections: 32,
          timeouts: { connect: '10s', headers: '30s', bodyIdle: '1m' },
        },
        {
          name: 'quay.io',
          url: 'https://quay.io',
          default: false,
          tagTtl: '5m',
          negativeTtl: '30s',
          maxConnections: 32,
          timeouts: { connect: '10s', headers: '30s', bodyIdle: '1m' },
        },
      ],
      cache: { maxSize: '1500MB' },
      shutdownGrace: '0s',
      offline: false,
      admin: { protectStats: false },
      pins: [],
      trustProxy: [],
      maxConnections: 4096,
    });
  });

  it('never contains a secret, even for a password without a recorded source', () => {
    const loaded = config();
    const text = JSON.stringify(redactedConfig(loaded));
    expect(text).not.toContain(ENV_SECRET);
    expect(text).not.toContain(FILE_SECRET);
    const first = loaded.upstreams[0];
    if (first === undefined) throw new Error('no upstream');
    delete first.passwordSource;
    const bare = JSON.stringify(redactedConfig(loaded));
    expect(bare).not.toContain(ENV_SECRET);
    expect(bare).toContain('"password":"<redacted>"');
  });

  it('reads back through validateConfig to the same config, apart from passwords', () => {
    const loaded = validateConfig({ listen: '127.0.0.1:0', cache: { maxSize: 0 } }, { env: {}, baseDir: dir });
    expect(validateConfig(redactedConfig(loaded), { env: {}, baseDir: '/' })).toEqual(loaded);
  });
});
