/** A parsed `WWW-Authenticate` challenge (RFC 7235), as registries send it. */
export interface AuthChallenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

/**
 * Parses `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`.
 * Only the first challenge is used; registries send one.
 */
export function parseAuthChallenge(header: string | string[] | undefined): AuthChallenge | undefined {
  const text = Array.isArray(header) ? header[0] : header;
  if (!text || text.length > 4096) return undefined;
  const match = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*(.*)$/s.exec(text);
  if (!match) return undefined;
  const params: Record<string, string> = {};
  const paramPattern = /([A-Za-z][A-Za-z0-9_-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/gy;
  const rest = match[2] ?? '';
  paramPattern.lastIndex = 0;
  let param: RegExpExecArray | null;
  while (paramPattern.lastIndex < rest.length && (param = paramPattern.exec(rest)) !== null) {
    const key = param[1]!.toLowerCase();
    params[key] = param[2] !== undefined ? param[2].replace(/\\(.)/g, '$1') : (param[3] ?? '');
  }
  return { scheme: match[1]!.toLowerCase(), params };
}
