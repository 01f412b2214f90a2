// Textual config (JSON shapes, "5m", "50GiB") → LadingConfig. Strict: unknown keys are errors and
// every message names the key path and what was expected (STYLE.md habit 10). Missing keys take
// the defaults from schema.ts, so a partial object validates the same way a partial file does.

import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import path from 'node:path';
import { ConfigError, describeValue } from './config-error.js';
import {
  DEFAULT_CONFIG_TEXT,
  DOCKER_HUB_ALIASES,
  UPSTREAM_DEFAULTS,
  type LadingConfig,
  type UpstreamConfig,
} from './schema.js';
import { parseImageReference } from '../oci/image-reference.js';
import { parsePlatform } from '../oci/platform-text.js';
import { readSecret } from './secret-source.js';
import { parseDuration, parseSize } from './units.js';
import {
  validateClientAuth,
  validateRepositoryPatterns,
  validateServerMaxConnections,
  validateTls,
  validateTrustProxy,
} from './validate-security.js';

export interface ValidationContext {
  /** Where `passwordEnv` variables are read from. */
  env: NodeJS.ProcessEnv;
  /** Relative `dataDir` and `passwordFile` resolve against this. */
  baseDir: string;
}

type TextObject = Record<string, unknown>;

const ROOT_KEYS = [
  'listen', 'dataDir', 'upstreams', 'cache', 'shutdownGrace', 'offline', 'admin', 'pins',
  'tls', 'auth', 'trustProxy', 'maxConnections',
] as const;
const PIN_KEYS = ['image', 'platforms'] as const;
const ADMIN_KEYS = ['tokenEnv', 'tokenFile', 'protectStats'] as const;
const CACHE_KEYS = ['maxSize'] as const;
const UPSTREAM_KEYS = [
  'name', 'url', 'aliases', 'caFile', 'default', 'username', 'passwordEnv', 'passwordFile',
  'tagTtl', 'negativeTtl', 'maxConnections', 'timeouts', 'allow', 'deny',
] as const;
const TIMEOUT_KEYS = ['connect', 'headers', 'bodyIdle'] as const;

/** setTimeout fires at once for delays above 2^31-1 ms, so timer durations are capped there. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MAX_CONNECTIONS = 1024;
// DESIGN.md routing: a name is matched against the first path component of a repository name,
// which cannot hold ":" or "/" (a host:port registry needs a name without the port).
const UPSTREAM_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;

export function validateConfig(raw: unknown, context: ValidationContext): LadingConfig {
  const root = withDefaults(expectObject(raw, '', ROOT_KEYS), DEFAULT_CONFIG_TEXT);
  const cache = withDefaults(expectObject(root.cache, 'cache', CACHE_KEYS), DEFAULT_CONFIG_TEXT.cache);
  const dataDir = expectNonEmptyString(root.dataDir, 'dataDir', 'a directory path');
  return {
    listen: parseListen(root.listen, 'listen'),
    dataDir: path.resolve(context.baseDir, dataDir),
    upstreams: validateUpstreams(root.upstreams, 'upstreams', context),
    cache: { maxSizeBytes: convert(cache.maxSize, 'cache.maxSize', parseSize) },
    shutdownGraceMs: timerDuration(root.shutdownGrace, 'shutdownGrace', { allowZero: true }),
    offline: expectBoolean(root.offline, 'offline'),
    admin: validateAdmin(root.admin, context),
    pins: validatePins(root.pins),
    ...optional('tls', validateTls(root.tls, context.baseDir)),
    ...optional('auth', validateClientAuth(root.auth, context.baseDir)),
    trustProxy: validateTrustProxy(root.trustProxy),
    maxConnections: validateServerMaxConnections(root.maxConnections),
  };
}

/** `{key: value}`, or nothing when value is undefined (optional keys stay absent, not undefined). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** `["alpine:3.20", {"image": "ghcr.io/org/app:1", "platforms": "all"}]`. */
function validatePins(value: unknown): LadingConfig['pins'] {
  if (!Array.isArray(value)) throw new ConfigError('pins', `expected a list of images, got ${describeValue(value)}`);
  return value.map((entry, index) => {
    const at = `pins[${index}]`;
    const pin = typeof entry === 'string' ? { image: entry } : expectObject(entry, at, PIN_KEYS);
    let image: string;
    try {
      image = parseImageText(pin.image);
    } catch {
      throw new ConfigError(typeof entry === 'string' ? at : `${at}.image`, `expected an image like "alpine:3.20", got ${describeValue(pin.image)}`);
    }
    const platforms = pin.platforms ?? ['linux/amd64'];
    if (platforms !== 'all' && !(Array.isArray(platforms) && platforms.length > 0 && platforms.every((p) => typeof p === 'string' && parsePlatform(p)))) {
      throw new ConfigError(`${at}.platforms`, `expected "all" or a list like ["linux/amd64"], got ${describeValue(platforms)}`);
    }
    return { image, platforms: platforms as string[] | 'all' };
  });
}

function parseImageText(value: unknown): string {
  if (typeof value !== 'string') throw new Error('not a string');
  parseImageReference(value);
  return value;
}

function validateAdmin(value: unknown, context: ValidationContext): LadingConfig['admin'] {
  const admin = withDefaults(expectObject(value, 'admin', ADMIN_KEYS), DEFAULT_CONFIG_TEXT.admin);
  const token = readSecret({ env: admin.tokenEnv, file: admin.tokenFile }, { env: 'admin.tokenEnv', file: 'admin.tokenFile' }, context, 'token');
  const protectStats = expectBoolean(admin.protectStats, 'admin.protectStats');
  if (protectStats && !token) throw new ConfigError('admin.protectStats', 'needs admin.tokenEnv or admin.tokenFile');
  return token ? { token: token.value, tokenSource: token.source, protectStats } : { protectStats };
}

function expectBoolean(value: unknown, at: string): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(at, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/** `host:port`, `[ipv6]:port` or `:port` (all interfaces); port 0 asks the OS for a free one. */
function parseListen(value: unknown, at: string): LadingConfig['listen'] {
  if (typeof value !== 'string') throw new ConfigError(at, `expected "host:port", got ${describeValue(value)}`);
  const match = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  const bracketed = match?.[1];
  const plain = match?.[2];
  const validHost =
    bracketed !== undefined ? isIPv6(bracketed) : plain !== undefined && (plain === '' || HOST_NAME.test(plain));
  if (match === null || !validHost) {
    throw new ConfigError(at, `expected "host:port", "[ipv6]:port" or ":port", got ${describeValue(value)}`);
  }
  const port = Number(match[3]);
  if (port > 65_535) throw new ConfigError(at, `port must be from 0 to 65535, got ${describeValue(value)}`);
  return { host: bracketed ?? (plain === '' ? '0.0.0.0' : (plain ?? '')), port };
}

function validateUpstreams(value: unknown, at: string, context: ValidationContext): UpstreamConfig[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new ConfigError(at, `expected a non-empty array of upstreams, got ${describeValue(value)}`);
  }
  const upstreams = value.map((entry, index) => validateUpstream(entry, `${at}[${index}]`, context));
  upstreams.forEach((upstream, index) => {
    const earlier = upstreams.findIndex((other) => sameRegistry(other.name, upstream.name));
    if (earlier !== index) {
      const alias = upstream.name === upstreams[earlier]?.name ? '' : ` (${DOCKER_HUB_ALIASES.join(', ')} are one registry)`;
      throw new ConfigError(`${at}[${index}].name`, `"${upstream.name}" is already used by ${at}[${earlier}]${alias}`);
    }
  });
  const defaults = upstreams.filter((upstream) => upstream.default);
  const only = upstreams[0];
  if (upstreams.length === 1 && only !== undefined) {
    // A single upstream serves every request, so it is the default whatever it says.
    only.default = true;
  } else if (defaults.length !== 1) {
    const got = defaults.length === 0 ? 'none' : defaults.map((upstream) => `"${upstream.name}"`).join(', ');
    throw new ConfigError(
      at,
      `exactly one upstream needs "default": true (requests that name no registry go there), got ${got}`,
    );
  }
  return upstreams;
}

function sameRegistry(a: string, b: string): boolean {
  const hub: readonly string[] = DOCKER_HUB_ALIASES;
  return a === b || (hub.includes(a) && hub.includes(b));
}

function validateUpstream(value: unknown, at: string, context: ValidationContext): UpstreamConfig {
  const entry = withDefaults(expectObject(value, at, UPSTREAM_KEYS), UPSTREAM_DEFAULTS);
  const timeouts = withDefaults(expectObject(entry.timeouts, `${at}.timeouts`, TIMEOUT_KEYS), UPSTREAM_DEFAULTS.timeouts);
  if (typeof entry.default !== 'boolean') {
    throw new ConfigError(`${at}.default`, `expected true or false, got ${describeValue(entry.default)}`);
  }
  const upstream: UpstreamConfig = {
    name: upstreamName(entry.name, `${at}.name`),
    url: upstreamUrl(entry.url, `${at}.url`),
    aliases: aliases(entry.aliases, `${at}.aliases`),
    ...(entry.caFile === undefined ? {} : { caFile: caFile(entry.caFile, `${at}.caFile`, context) }),
    default: entry.default,
    tagTtlMs: convert(entry.tagTtl, `${at}.tagTtl`, parseDuration),
    negativeTtlMs: convert(entry.negativeTtl, `${at}.negativeTtl`, parseDuration),
    maxConnections: maxConnections(entry.maxConnections, `${at}.maxConnections`),
    timeouts: {
      connectMs: timerDuration(timeouts.connect, `${at}.timeouts.connect`, { allowZero: false }),
      headersMs: timerDuration(timeouts.headers, `${at}.timeouts.headers`, { allowZero: false }),
      bodyIdleMs: timerDuration(timeouts.bodyIdle, `${at}.timeouts.bodyIdle`, { allowZero: false }),
    },
    ...optional('allow', validateRepositoryPatterns(entry.allow, `${at}.allow`)),
    ...optional('deny', validateRepositoryPatterns(entry.deny, `${at}.deny`)),
  };
  return { ...upstream, ...credentials(entry, at, context) };
}

/** Extra `ns` host names for an upstream, e.g. `registry.example.test:5000` (ports allowed here). */
function aliases(value: unknown, at: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError(at, `expected a list of host names like ["registry.example:5000"], got ${describeValue(value)}`);
  return value.map((alias, index) => {
    if (typeof alias !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?$/.test(alias)) {
      throw new ConfigError(`${at}[${index}]`, `expected a lowercase host or host:port, got ${describeValue(alias)}`);
    }
    return alias;
  });
}

/** A PEM file of CA certificates trusted for this upstream (a private registry's CA). */
function caFile(value: unknown, at: string, context: ValidationContext): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(at, `expected the path of a PEM file, got ${describeValue(value)}`);
  const file = path.resolve(context.baseDir, value);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(at, `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(at, `${file} holds no PEM certificate`);
  return file;
}

function upstreamName(value: unknown, at: string): string {
  if (value === undefined) throw new ConfigError(at, 'required (the registry host name clients use, like "ghcr.io")');
  if (typeof value !== 'string') {
    throw new ConfigError(at, `expected a registry host name like "ghcr.io", got ${describeValue(value)}`);
  }
  if (value.includes(':') || value.includes('/')) {
    throw new ConfigError(
      at,
      `cannot hold ":" or "/" (it is matched against the first component of a repository name, which cannot); ` +
        `name a host:port registry without the port, got ${describeValue(value)}`,
    );
  }
  if (!UPSTREAM_NAME.test(value) || value.length > 253) {
    const expected = 'expected a lowercase name of a-z, 0-9, "." and "-" like "ghcr.io"';
    throw new ConfigError(at, `${expected}, got ${describeValue(value)}`);
  }
  return value;
}

function upstreamUrl(value: unknown, at: string): string {
  const shape = 'an http or https URL like "https://ghcr.io"';
  if (value === undefined) throw new ConfigError(at, `required (${shape})`);
  const expected = `expected ${shape}`;
  if (typeof value !== 'string') throw new ConfigError(at, `${expected}, got ${describeValue(value)}`);
  // Never echo a URL that may carry userinfo: the password would end up in logs and terminals.
  const shown = value.includes('@') ? 'a URL with "@" (not shown)' : describeValue(value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(at, `${expected}, got ${shown}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(at, `${expected}, got ${shown}`);
  if (url.username !== '' || url.password !== '' || value.includes('@')) {
    throw new ConfigError(
      at,
      'must not hold credentials: a URL gets logged, so user:password@ would leak; ' +
        'use username with passwordEnv or passwordFile',
    );
  }
  if (value.includes('?') || value.includes('#')) {
    throw new ConfigError(at, `must not have a query or fragment, got ${shown}`);
  }
  const basePath = url.pathname.replace(/\/+$/, '');
  if (/\/v2$/.test(basePath)) {
    throw new ConfigError(at, `leave out the trailing /v2 (lading adds it), got ${shown}`);
  }
  return `${url.protocol}//${url.host}${basePath}`;
}

function maxConnections(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_CONNECTIONS) {
    throw new ConfigError(at, `expected an integer from 1 to ${MAX_CONNECTIONS}, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Reads the password from its source at load time, so a missing secret stops startup instead of
 * failing the first pull. Error messages name the key and the source, never the value.
 */
function credentials(
  entry: TextObject,
  at: string,
  context: ValidationContext,
): Pick<UpstreamConfig, 'username' | 'password' | 'passwordSource'> {
  const { username, passwordEnv, passwordFile } = entry;
  if (username === undefined && passwordEnv === undefined && passwordFile === undefined) return {};
  if (passwordEnv !== undefined && passwordFile !== undefined) {
    throw new ConfigError(`${at}.passwordFile`, 'cannot be combined with passwordEnv: pick one password source');
  }
  if (username === undefined) {
    throw new ConfigError(`${at}.username`, `required with ${passwordEnv !== undefined ? 'passwordEnv' : 'passwordFile'}`);
  }
  // RFC 7617: a Basic user-id cannot contain ":".
  if (typeof username !== 'string' || username === '' || username.includes(':') || hasControlCharacter(username)) {
    throw new ConfigError(`${at}.username`, `expected a non-empty user name without ":", got ${describeValue(username)}`);
  }
  const secret = readSecret({ env: passwordEnv, file: passwordFile }, { env: `${at}.passwordEnv`, file: `${at}.passwordFile` }, context);
  if (!secret) throw new ConfigError(`${at}.username`, 'needs passwordEnv or passwordFile (passwords never live in the config file)');
  const { value: password, source: passwordSource } = secret;
  return { username, password, passwordSource };
}

function hasControlCharacter(text: string): boolean {
  return /[\u0000-\u001f\u007f]/.test(text);
}

/** A duration handed to setTimeout: capped at 2^31-1 ms; connect/headers/idle timeouts of 0 would fire at once. */
function timerDuration(value: unknown, at: string, options: { allowZero: boolean }): number {
  const ms = convert(value, at, parseDuration);
  if (ms === 0 && !options.allowZero) {
    throw new ConfigError(at, `expected a duration greater than 0, got ${describeValue(value)}`);
  }
  if (ms > MAX_TIMER_MS) {
    throw new ConfigError(at, `expected at most 24d (timers cannot wait longer), got ${describeValue(value)}`);
  }
  return ms;
}

/** Runs a units parser, turning its Error into a ConfigError at `at`. */
function convert(value: unknown, at: string, parse: (text: string | number) => number): number {
  try {
    return parse(value as string | number);
  } catch (error) {
    throw new ConfigError(at, (error as Error).message);
  }
}

function expectNonEmptyString(value: unknown, at: string, what: string): string {
  if (typeof value !== 'string' || value === '') throw new ConfigError(at, `expected ${what}, got ${describeValue(value)}`);
  return value;
}

function expectObject(value: unknown, at: string, keys: readonly string[]): TextObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const what = at === '' ? 'a JSON object at the top level' : 'an object';
    throw new ConfigError(at, `expected ${what}, got ${describeValue(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) {
      throw new ConfigError(at === '' ? key : `${at}.${key}`, `unknown key (expected one of: ${keys.join(', ')})`);
    }
  }
  return value as TextObject;
}

/** Keys left out (or undefined) take the default; objects inside are validated separately. */
function withDefaults(value: TextObject, defaults: object): TextObject {
  const merged: TextObject = { ...defaults };
  for (const [key, entry] of Object.entries(value)) {
    if (entry !== undefined) merged[key] = entry;
  }
  return merged;
}
