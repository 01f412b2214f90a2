/**
 * A configuration problem, named by key path: `upstreams[1].tagTtl: expected a duration like
 * "5m", got 5`. `origin` says where the bad value came from when that is not obvious
 * (`in /etc/lading/mirror.config.json`, `from LADING_LISTEN`, `from --upstream`).
 * Messages never hold a secret: passwords are read only after their keys validated, and
 * values that could be secrets (URLs with userinfo, password sources) are not echoed.
 */
export class ConfigError extends Error {
  /** Key path of the bad value, e.g. `upstreams[1].tagTtl`; empty for the file as a whole. */
  readonly path: string;
  /** What was wrong, without path or origin. */
  readonly detail: string;
  readonly origin: string | undefined;

  constructor(path: string, detail: string, options: { origin?: string; cause?: unknown } = {}) {
    const where = path === '' ? '' : `${path}: `;
    const origin = options.origin === undefined ? '' : ` (${options.origin})`;
    super(`${where}${detail}${origin}`, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConfigError';
    this.path = path;
    this.detail = detail;
    this.origin = options.origin;
  }

  /** The same error, saying where the value came from. */
  withOrigin(origin: string): ConfigError {
    return new ConfigError(this.path, this.detail, { origin, cause: this.cause });
  }
}

const MAX_SHOWN_LENGTH = 64;

/** How a wrong value is shown after "got": JSON for primitives (long strings cut), a kind for containers. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > MAX_SHOWN_LENGTH ? `${value.slice(0, MAX_SHOWN_LENGTH)}…` : value);
  }
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}
