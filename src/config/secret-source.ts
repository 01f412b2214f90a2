import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.js';

const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Reads a secret (an upstream password, the admin token) from an environment variable or a
 * file at load time, so a missing secret stops startup instead of failing later. Errors name
 * the key and the source, never the value. Returns undefined when neither source is given.
 */
export function readSecret(
  sources: { env: unknown; file: unknown },
  keys: { env: string; file: string },
  context: { env: NodeJS.ProcessEnv; baseDir: string },
  what: 'password' | 'token' = 'password',
): { value: string; source: string } | undefined {
  const { env, file } = sources;
  if (env !== undefined && file !== undefined) {
    throw new ConfigError(keys.file, `cannot be combined with ${keys.env.split('.').at(-1)}: pick one ${what} source`);
  }
  let value: string;
  let source: string;
  if (env !== undefined) {
    if (typeof env !== 'string' || !ENV_VAR_NAME.test(env)) {
      // Not echoed: a secret pasted here by mistake must not reach the terminal.
      throw new ConfigError(keys.env, 'expected the name of an environment variable like "GHCR_TOKEN" (value not shown)');
    }
    value = context.env[env] ?? '';
    if (value === '') throw new ConfigError(keys.env, `environment variable ${env} is not set or is empty`);
    source = `env:${env}`;
  } else if (file !== undefined) {
    if (typeof file !== 'string' || file === '') {
      throw new ConfigError(keys.file, `expected the path of a file holding the ${what} (value not shown)`);
    }
    const resolved = path.resolve(context.baseDir, file);
    try {
      value = readFileSync(resolved, 'utf8').replace(/[\r\n]+$/, '');
    } catch (error) {
      throw new ConfigError(keys.file, `cannot read ${resolved} (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
    }
    if (value === '') throw new ConfigError(keys.file, `${resolved} is empty`);
    source = `file:${resolved}`;
  } else {
    return undefined;
  }
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new ConfigError(env !== undefined ? keys.env : keys.file, `the ${what} holds a control character (value not shown)`);
  }
  return { value, source };
}
