import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { isIPv6 } from 'node:net';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/load.js';
import type { LadingConfig } from '../config/schema.js';
import { parseCommandArgs } from './command-args.js';

// `lading health`: the container image's HEALTHCHECK (slim images have no curl). It asks the
// local server's /_lading/health and exits 0 on 200, 1 on anything else, so Docker, compose and
// Kubernetes exec probes read the exit code. The URL follows the same config as `serve`
// (file < LADING_* env < flags), so a changed listen address needs no second setting.

export const HEALTH_USAGE = `Usage: lading health [--url URL] [--config FILE]

  --url URL       endpoint to check (default: /_lading/health on the configured listen address,
                  0.0.0.0 and :: asked on loopback; https when tls is configured)
  --config FILE   config file, as for serve (env LADING_CONFIG; default ./mirror.config.json when present)

Exits 0 when the server answers 200, 1 otherwise.`;

export const HEALTH_PATH = '/_lading/health';
/** Below the image's HEALTHCHECK --timeout (5s), so a hung server yields our message, not Docker's kill. */
const REQUEST_TIMEOUT_MS = 3_000;
/** The body goes to stdout, where Docker keeps it in State.Health.Log; cap what a stuck server can send. */
const BODY_LIMIT_BYTES = 4 * 1024;

export async function runHealth(argv: string[]): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    command: 'health',
    usage: HEALTH_USAGE,
    options: { url: { type: 'string' }, config: { type: 'string' } },
    usageErrorExitCode: 1, // not 2: Docker reserves a HEALTHCHECK exit code of 2
  });
  if (parsed.exitCode !== undefined) return parsed.exitCode;
  const { values } = parsed;
  let url: URL;
  try {
    url = values.url === undefined ? await configuredHealthUrl(values.config) : new URL(values.url);
  } catch (error) {
    const detail = error instanceof ConfigError ? `invalid configuration: ${error.message}` : (error as Error).message;
    process.stderr.write(`lading health: ${detail}\n`);
    return 1;
  }
  try {
    const { status, body } = await fetchHealth(url);
    const line = `lading health: ${url.href} answered ${status}: ${body.trim()}\n`;
    if (status === 200) {
      process.stdout.write(line);
      return 0;
    }
    process.stderr.write(line);
    return 1;
  } catch (error) {
    process.stderr.write(`lading health: ${url.href}: ${(error as Error).message}\n`);
    return 1;
  }
}

async function configuredHealthUrl(configFile: string | undefined): Promise<URL> {
  const { config } = await loadConfig({ flags: { config: configFile }, env: process.env, cwd: process.cwd() });
  return healthUrlFor(config);
}

/**
 * Where the server started with `config` answers health checks from this host. A wildcard
 * listen address is not an address to connect to, so ask loopback of the same family.
 */
export function healthUrlFor(config: LadingConfig): URL {
  const { host, port } = config.listen;
  if (port === 0) throw new Error('listen port is 0 (chosen at start), so the address is unknown: pass --url');
  const connectHost = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  const hostPart = isIPv6(connectHost) ? `[${connectHost}]` : connectHost;
  const scheme = config.tls === undefined ? 'http' : 'https';
  return new URL(`${scheme}://${hostPart}:${port}${HEALTH_PATH}`);
}

function fetchHealth(url: URL): Promise<{ status: number; body: string }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`expected an http or https URL, got ${url.protocol}`));
  }
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage): void => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < BODY_LIMIT_BYTES) body += chunk.slice(0, BODY_LIMIT_BYTES - body.length);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    };
    // The certificate names the public host, not loopback; this checks liveness, not identity.
    const request =
      url.protocol === 'https:'
        ? httpsGet(url, { timeout: REQUEST_TIMEOUT_MS, rejectUnauthorized: false }, onResponse)
        : httpGet(url, { timeout: REQUEST_TIMEOUT_MS }, onResponse);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}
