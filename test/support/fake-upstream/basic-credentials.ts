export interface Credentials {
  username: string;
  password: string;
}

/** Parses `Authorization: Basic base64(user:password)`; undefined when absent or not Basic. */
export function parseBasicAuthorization(header: string | undefined): Credentials | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] ?? '', 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function sameCredentials(given: Credentials, expected: Credentials | undefined): boolean {
  return expected !== undefined && given.username === expected.username && given.password === expected.password;
}
