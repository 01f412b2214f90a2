// Secrets must never reach a log line (issue: upstream passwords, tokens, client passwords).
// Redaction is by key name, so every caller can hand whole objects to the logger safely.
const SECRET_KEY = /pass(word)?|secret|token|authorization|cookie|credential/i;

export const REDACTED = '<redacted>';

export function redactFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[key] = SECRET_KEY.test(key) && value !== undefined ? REDACTED : redactValue(value);
  }
  return out;
}

function redactValue(value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: redactUrlCredentials(value.message) };
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value && typeof value === 'object') return redactFields(value as Record<string, unknown>);
  return value;
}

/** Strips `user:pass@` from URLs and signed query strings (CDN `X-Amz-Signature`, `verify=`). */
export function redactUrlCredentials(text: string): string {
  return text
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1')
    .replace(/([?&](?:x-amz-[a-z-]*|signature|sig|verify|token|access_token)=)[^&\s"]*/gi, `$1${REDACTED}`);
}
