// The effective config in its textual form, for `lading serve --print-config`. Sizes and
// durations are formatted exactly (units.ts), so apart from the redacted password the output
// reads like a config file. The password itself never appears, only where it came from.

import type { LadingConfig, UpstreamConfig } from './schema.js';
import { formatBytes, formatDuration } from './units.js';

export function redactedConfig(config: LadingConfig): unknown {
  return {
    listen: formatListen(config.listen),
    dataDir: config.dataDir,
    upstreams: config.upstreams.map(redactedUpstream),
    cache: { maxSize: formatBytes(config.cache.maxSizeBytes) },
    shutdownGrace: formatDuration(config.shutdownGraceMs),
    offline: config.offline,
    admin: {
      ...(config.admin.token === undefined ? {} : { token: `<redacted from ${config.admin.tokenSource ?? 'unknown source'}>` }),
      protectStats: config.admin.protectStats,
    },
    pins: config.pins,
    // Paths only: the key file and the htpasswd hashes are never read into the output.
    ...(config.tls === undefined ? {} : { tls: { cert: config.tls.certFile, key: config.tls.keyFile } }),
    ...(config.auth === undefined ? {} : { auth: { htpasswd: config.auth.htpasswdFile } }),
    trustProxy: config.trustProxy,
    maxConnections: config.maxConnections,
  };
}

function redactedUpstream(upstream: UpstreamConfig): Record<string, unknown> {
  const text: Record<string, unknown> = { name: upstream.name, url: upstream.url, default: upstream.default };
  if (upstream.aliases.length > 0) text.aliases = upstream.aliases;
  if (upstream.caFile !== undefined) text.caFile = upstream.caFile;
  if (upstream.username !== undefined) text.username = upstream.username;
  if (upstream.password !== undefined || upstream.passwordSource !== undefined) {
    text.password = upstream.passwordSource === undefined ? '<redacted>' : `<redacted from ${upstream.passwordSource}>`;
  }
  text.tagTtl = formatDuration(upstream.tagTtlMs);
  text.negativeTtl = formatDuration(upstream.negativeTtlMs);
  text.maxConnections = upstream.maxConnections;
  text.timeouts = {
    connect: formatDuration(upstream.timeouts.connectMs),
    headers: formatDuration(upstream.timeouts.headersMs),
    bodyIdle: formatDuration(upstream.timeouts.bodyIdleMs),
  };
  if (upstream.allow !== undefined) text.allow = upstream.allow;
  if (upstream.deny !== undefined) text.deny = upstream.deny;
  return text;
}

function formatListen(listen: LadingConfig['listen']): string {
  return listen.host.includes(':') ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
}
