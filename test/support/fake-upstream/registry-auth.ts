import { parseBasicAuthorization, sameCredentials, type Credentials } from './basic-credentials.js';
import { ociErrorResponse, type FakeResponse } from './fake-response.js';
import type { FakeRequest } from './http-listener.js';
import { FAKE_SERVICE, headerValue } from './token-server.js';
import type { TokenStore } from './token-store.js';

export type RegistryAuthMode = 'bearer' | 'basic' | 'none';

export interface RegistryAuthOptions {
  mode: RegistryAuthMode;
  tokenRealm: () => string;
  tokens: TokenStore;
  credentials: Credentials | undefined;
}

/**
 * Returns the 401 a Hub-like registry sends, or undefined when the request may proceed.
 * `repository` is the name the path targets (undefined for `/v2/`). Challenges follow Hub and
 * distribution's token auth (PROTOCOL.md §4.1): no token → plain challenge; an unknown or
 * expired token → `error="invalid_token"`; a token without pull on the repository →
 * `error="insufficient_scope"`.
 */
export function checkRegistryAuth(
  request: FakeRequest,
  repository: string | undefined,
  options: RegistryAuthOptions,
): FakeResponse | undefined {
  const authorization = headerValue(request.headers.authorization);
  switch (options.mode) {
    case 'none':
      return undefined;
    case 'basic': {
      const given = parseBasicAuthorization(authorization);
      if (given !== undefined && sameCredentials(given, options.credentials)) return undefined;
      return unauthorized(`Basic realm="${FAKE_SERVICE}"`);
    }
    case 'bearer': {
      const scope = repository === undefined ? '' : `,scope="repository:${repository}:pull"`;
      const challenge = `Bearer realm="${options.tokenRealm()}",service="${FAKE_SERVICE}"${scope}`;
      const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
      if (match === null) return unauthorized(challenge);
      const check = options.tokens.check(match[1] ?? '');
      if (check.kind === 'invalid') return unauthorized(`${challenge},error="invalid_token"`);
      if (repository !== undefined && !check.grant.pullable.has(repository)) {
        return unauthorized(`${challenge},error="insufficient_scope"`, [
          { Type: 'repository', Class: '', Name: repository, Action: 'pull' },
        ]);
      }
      return undefined;
    }
  }
}

function unauthorized(challenge: string, detail: unknown = null): FakeResponse {
  // Hub's body for every 401 (PROTOCOL.md §4.1).
  return ociErrorResponse(401, 'UNAUTHORIZED', 'authentication required', {
    detail,
    headers: { 'www-authenticate': challenge },
  });
}
