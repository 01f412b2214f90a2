import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { DEFAULT_CONFIG_TEXT } from '../../../src/config/schema.js';
import { validateConfig } from '../../../src/config/validate.js';

// mirror.config.json ships in the package as the documented starting point; it must hold exactly
// the embedded defaults, or a user copying it would silently change behaviour.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const shippedFile = path.join(repoRoot, 'mirror.config.json');

describe('mirror.config.json', () => {
  it('holds exactly DEFAULT_CONFIG_TEXT, pretty-printed', async () => {
    const text = await readFile(shippedFile, 'utf8');
    expect(JSON.parse(text)).toEqual(DEFAULT_CONFIG_TEXT);
    expect(text).toBe(`${JSON.stringify(DEFAULT_CONFIG_TEXT, null, 2)}\n`);
  });

  it('loads to the same config as the embedded defaults', async () => {
    const fromFile = await loadConfig({ flags: {}, env: {}, cwd: repoRoot });
    expect(fromFile.source).toBe(shippedFile);
    const embedded = validateConfig(DEFAULT_CONFIG_TEXT, { env: {}, baseDir: repoRoot });
    expect(fromFile.config).toEqual(embedded);
    expect(validateConfig({}, { env: {}, baseDir: repoRoot })).toEqual(embedded);
  });
});
