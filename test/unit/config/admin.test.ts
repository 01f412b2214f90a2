import { describe, expect, it } from 'vitest';
import { redactedConfig } from '../../../src/config/redact.js';
import { validateConfig } from '../../../src/config/validate.js';

const SECRET = 'admin-secret-7f3a';
const validate = (admin: unknown, env: NodeJS.ProcessEnv = {}) => validateConfig({ admin }, { env, baseDir: '/' });

describe('admin config', () => {
  it('is off without a token', () => {
    expect(validate(undefined).admin).toEqual({ protectStats: false });
  });
  it('reads the token from the environment and never prints it', () => {
    const config = validateConfig({ admin: { tokenEnv: 'LADING_ADMIN_TOKEN', protectStats: true } }, { env: { LADING_ADMIN_TOKEN: SECRET }, baseDir: '/' });
    expect(config.admin).toEqual({ token: SECRET, tokenSource: 'env:LADING_ADMIN_TOKEN', protectStats: true });
    const printed = JSON.stringify(redactedConfig(config));
    expect(printed).not.toContain(SECRET);
    expect(printed).toContain('<redacted from env:LADING_ADMIN_TOKEN>');
  });
  it('names the key when the token is missing or protectStats has nothing to protect with', () => {
    expect(() => validate({ tokenEnv: 'NOPE' })).toThrow(/^admin\.tokenEnv: environment variable NOPE is not set or is empty/);
    expect(() => validate({ protectStats: true })).toThrow(/^admin\.protectStats: needs admin\.tokenEnv or admin\.tokenFile/);
    expect(() => validate({ token: SECRET })).toThrow(/^admin\.token: unknown key/);
    expect(() => validate({ token: SECRET })).not.toThrow(new RegExp(SECRET));
  });
});

describe('pins config', () => {
  const pins = (value: unknown) => validateConfig({ pins: value }, { env: {}, baseDir: '/' }).pins;
  it('takes image strings and objects, defaulting to linux/amd64', () => {
    expect(pins(['alpine:3.20', { image: 'ghcr.io/org/app:1', platforms: 'all' }, { image: 'x', platforms: ['linux/arm64/v8'] }])).toEqual([
      { image: 'alpine:3.20', platforms: ['linux/amd64'] },
      { image: 'ghcr.io/org/app:1', platforms: 'all' },
      { image: 'x', platforms: ['linux/arm64/v8'] },
    ]);
  });
  it('names the entry that is wrong', () => {
    expect(() => pins(['ok', 'Not Valid'])).toThrow(/^pins\[1\]: expected an image like "alpine:3.20"/);
    expect(() => pins([{ image: 'ok', platforms: ['linux'] }])).toThrow(/^pins\[0\]\.platforms: expected "all" or a list/);
    expect(() => pins([{ image: 'ok', extra: 1 }])).toThrow(/^pins\[0\]\.extra: unknown key/);
    expect(() => pins('alpine')).toThrow(/^pins: expected a list/);
  });
});
