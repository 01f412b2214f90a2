import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../../src/config/config-error.js';
import { validateConfig } from '../../../src/config/validate.js';

describe('upstream aliases and caFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'lading-cfg-'));
    await writeFile(path.join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    await writeFile(path.join(dir, 'junk.pem'), 'not a certificate');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));
  const validate = (upstream: Record<string, unknown>) =>
    validateConfig({ upstreams: [{ name: 'example', url: 'https://r.example', ...upstream }] }, { env: {}, baseDir: dir });

  it('accepts host and host:port aliases', () => {
    expect(validate({ aliases: ['registry.example.test:5000', 'r2.example'] }).upstreams[0]?.aliases).toEqual([
      'registry.example.test:5000',
      'r2.example',
    ]);
  });
  it('rejects aliases that are not host[:port], naming the index', () => {
    expect(() => validate({ aliases: ['ok.example', 'http://x'] })).toThrow(/^upstreams\[0\]\.aliases\[1\]: expected a lowercase host/);
    expect(() => validate({ aliases: 'x' })).toThrow(ConfigError);
  });
  it('resolves caFile against the base dir and checks it holds a certificate', () => {
    expect(validate({ caFile: 'ca.pem' }).upstreams[0]?.caFile).toBe(path.join(dir, 'ca.pem'));
    expect(() => validate({ caFile: 'junk.pem' })).toThrow(/^upstreams\[0\]\.caFile: .*holds no PEM certificate/);
    expect(() => validate({ caFile: 'missing.pem' })).toThrow(/^upstreams\[0\]\.caFile: cannot read .*ENOENT/);
  });
});
