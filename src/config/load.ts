// Where the effective config comes from, lowest precedence first: embedded defaults (schema.ts)
// < config file < LADING_* env < flags. This file merges the sources as text; validate.ts turns
// the result into a LadingConfig. Errors say which source held the bad value.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from './config-error.js';
import { DEFAULT_CONFIG_TEXT, type LadingConfig } from './schema.js';
import { validateConfig } from './validate.js';

export interface ConfigFlags {
  /** --config: path of the config file (relative to cwd). */
  config?: string;
  /** --listen: `host:port`, as LADING_LISTEN. */
  listen?: string;
  /** --data: data directory, as LADING_DATA_DIR. */
  data?: string;
  /** --upstream: URL of the default upstream, as LADING_UPSTREAM. */
  upstream?: string;
}

export interface LoadedConfig {
  config: LadingConfig;
  /** Absolute path of the config file, or "embedded defaults". */
  source: string;
}

type TextObject = Record<string, unknown>;

/** Key path → where its value came from (`in FILE`, `from LADING_LISTEN`, `from --listen`). */
type Origins = Map<string, string>;

export const IMPLICIT_CONFIG_FILE = 'mirror.config.json';

export async function loadConfig(options: {
  flags: ConfigFlags;
  env: NodeJS.ProcessEnv;
  cwd: string;
}): Promise<LoadedConfig> {
  const { flags, env, cwd } = options;
  const file = await readConfigFile(flags, env, cwd);
  const origins: Origins = new Map();
  // structuredClone: DEFAULT_CONFIG_TEXT is readonly only to TypeScript, and is shared.
  const merged: TextObject = structuredClone(DEFAULT_CONFIG_TEXT) as unknown as TextObject;
  // The default ./data is relative to cwd; validation resolves file values against the file's directory.
  merged.dataDir = path.resolve(cwd, DEFAULT_CONFIG_TEXT.dataDir);
  if (file !== undefined) mergeFile(merged, file.content, `in ${file.path}`, origins);

  const envSource = (name: string) => ({ value: nonEmpty(env[name]), origin: `from ${name}` });
  const overrideSets = [
    { listen: envSource('LADING_LISTEN'), dataDir: envSource('LADING_DATA_DIR'), upstream: envSource('LADING_UPSTREAM') },
    {
      listen: { value: flags.listen, origin: 'from --listen' },
      dataDir: { value: flags.data, origin: 'from --data' },
      upstream: { value: flags.upstream, origin: 'from --upstream' },
    },
  ];
  setIfGiven(merged, 'cache.maxSize', envSource('LADING_CACHE_MAX_SIZE'), origins);
  setIfGiven(merged, 'shutdownGrace', envSource('LADING_SHUTDOWN_GRACE'), origins);
  for (const overrides of overrideSets) {
    setIfGiven(merged, 'listen', overrides.listen, origins);
    const dataDir = overrides.dataDir.value;
    const resolved = dataDir === undefined || dataDir === '' ? dataDir : path.resolve(cwd, dataDir);
    setIfGiven(merged, 'dataDir', { value: resolved, origin: overrides.dataDir.origin }, origins);
    setDefaultUpstreamUrl(merged, overrides.upstream, origins);
  }

  try {
    const config = validateConfig(merged, { env, baseDir: file === undefined ? cwd : path.dirname(file.path) });
    return { config, source: file?.path ?? 'embedded defaults' };
  } catch (error) {
    if (!(error instanceof ConfigError) || error.origin !== undefined) throw error;
    const origin = originOf(error.path, origins);
    throw origin === undefined ? error : error.withOrigin(origin);
  }
}

/** --config, else LADING_CONFIG, else ./mirror.config.json when present, else no file. */
async function readConfigFile(
  flags: ConfigFlags,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ path: string; content: TextObject } | undefined> {
  const envConfig = nonEmpty(env.LADING_CONFIG);
  let file: string;
  let namedBy: string | undefined;
  if (flags.config !== undefined) {
    [file, namedBy] = [path.resolve(cwd, flags.config), '--config'];
  } else if (envConfig !== undefined) {
    [file, namedBy] = [path.resolve(cwd, envConfig), 'LADING_CONFIG'];
  } else {
    file = path.resolve(cwd, IMPLICIT_CONFIG_FILE);
    const exists = await stat(file).then(
      () => true,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? false : Promise.reject(error)),
    );
    if (!exists) return undefined;
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail = code === 'ENOENT' ? 'does not exist' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`;
    const origin = namedBy === undefined ? {} : { origin: `named by ${namedBy}` };
    throw new ConfigError('', `config file ${file} ${detail}`, origin);
  }
  let content: unknown;
  try {
    // Editors on Windows like to start UTF-8 files with a BOM, which JSON.parse rejects.
    content = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    throw new ConfigError('', `${file}: invalid JSON: ${(error as Error).message}${lineAndColumn(text, error)}`);
  }
  if (typeof content !== 'object' || content === null || Array.isArray(content)) {
    const got = Array.isArray(content) ? 'an array' : content === null ? 'null' : typeof content;
    throw new ConfigError('', `${file}: expected a JSON object at the top level, got ${got}`);
  }
  return { path: file, content: content as TextObject };
}

/** A file's top-level keys replace the defaults'; objects (cache) merge key by key. */
function mergeFile(merged: TextObject, content: TextObject, origin: string, origins: Origins): void {
  for (const [key, value] of Object.entries(content)) {
    const base = merged[key];
    if (isPlainObject(base) && isPlainObject(value)) {
      merged[key] = { ...base, ...value };
      for (const inner of Object.keys(value)) origins.set(`${key}.${inner}`, origin);
    } else {
      merged[key] = value;
      origins.set(key, origin);
    }
  }
}

interface Override {
  value: string | undefined;
  origin: string;
}

/** Sets `key` or `object.key` when the override has a value (a non-object parent is left for validation to report). */
function setIfGiven(merged: TextObject, keyPath: string, override: Override, origins: Origins): void {
  if (override.value === undefined) return;
  const [outer = '', inner] = keyPath.split('.');
  if (inner === undefined) {
    merged[outer] = override.value;
  } else {
    const parent = merged[outer];
    if (!isPlainObject(parent)) return;
    merged[outer] = { ...parent, [inner]: override.value };
  }
  origins.set(keyPath, override.origin);
}

/**
 * LADING_UPSTREAM / --upstream replace the URL of the default upstream: the one with
 * `default: true`, or the only one. When that is unclear, validation reports the upstreams.
 */
function setDefaultUpstreamUrl(merged: TextObject, override: Override, origins: Origins): void {
  const upstreams = merged.upstreams;
  if (override.value === undefined || !Array.isArray(upstreams)) return;
  const marked = upstreams.flatMap((entry, index) => (isPlainObject(entry) && entry.default === true ? [index] : []));
  const index = marked.length === 1 ? marked[0] : marked.length === 0 && upstreams.length === 1 ? 0 : undefined;
  const entry: unknown = index === undefined ? undefined : upstreams[index];
  if (index === undefined || !isPlainObject(entry)) return;
  merged.upstreams = upstreams.map((other, at) => (at === index ? { ...entry, url: override.value } : other));
  origins.set(`upstreams[${index}].url`, override.origin);
}

/** The origin recorded for the longest prefix of `keyPath` (`upstreams[0].url` → `upstreams`). */
function originOf(keyPath: string, origins: Origins): string | undefined {
  let best: { length: number; origin: string } | undefined;
  for (const [recorded, origin] of origins) {
    const isPrefix =
      keyPath === recorded || (keyPath.startsWith(recorded) && ['.', '['].includes(keyPath[recorded.length] ?? ''));
    if (isPrefix && (best === undefined || recorded.length > best.length)) best = { length: recorded.length, origin };
  }
  return best?.origin;
}

/** V8 reports "at position N"; people look for lines. */
function lineAndColumn(text: string, error: unknown): string {
  const match = /at position (\d+)/.exec((error as Error).message);
  if (match === null) return '';
  const position = Number(match[1]);
  const before = text.replace(/^\uFEFF/, '').slice(0, position);
  const line = before.split('\n').length;
  const column = position - before.lastIndexOf('\n');
  return ` (line ${line}, column ${column})`;
}

function isPlainObject(value: unknown): value is TextObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** An empty LADING_* variable counts as unset, as shells make unsetting awkward. */
function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
