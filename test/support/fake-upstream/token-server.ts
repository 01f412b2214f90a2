import { parseBasicAuthorization, sameCredentials, type Credentials } from './basic-credentials.js';
import { jsonResponse, type FakeResponse } from './fake-response.js';
import type { FakeHandler, FakeRequest } from './http-listener.js';
import { pullScopeRepository, type TokenStore } from './token-store.js';

export const FAKE_SERVICE = 'fake-registry';

export interface TokenServerOptions {
  tokens: TokenStore;
  credentials: Credentials | undefined;
  requireCredentials: boolean;
  tokenExpiresInSec: () => number;
  /** Read at issue time, so a test may replace the set. */
  privateRepositories: () => ReadonlySet<string>;
}

/**
 * Docker token endpoint (PROTOCOL.md §4.1): `GET /token?service=&scope=…` with optional HTTP
 * Basic, and the OAuth2 form `POST /token` (grant_type=password) containerd uses when it has
 * credentials. Like Hub, a token is issued even for repositories the caller may not pull; the
 * registry then answers 401 insufficient_scope. Private repositories are pullable only with
 * valid credentials.
 */
export function createTokenHandler(options: TokenServerOptions): FakeHandler {
  return (request) => {
    if (request.path !== '/token') return jsonResponse(404, { details: 'not found' });
    if (request.method === 'GET') return handleGet(request, options);
    if (request.method === 'POST') return handlePost(request, options);
    return jsonResponse(405, { details: 'method not allowed' });
  };
}

function handleGet(request: FakeRequest, options: TokenServerOptions): FakeResponse {
  const service = request.query.get('service');
  if (service !== null && service !== FAKE_SERVICE) return jsonResponse(400, { details: `unknown service "${service}"` });
  const given = parseBasicAuthorization(headerValue(request.headers.authorization));
  const authenticated = given !== undefined && options.credentials !== undefined;
  if (authenticated && !sameCredentials(given, options.credentials)) {
    return jsonResponse(401, { details: 'incorrect username or password' });
  }
  if (!authenticated && options.requireCredentials) return jsonResponse(401, { details: 'authentication required' });
  const body = issue(request.query.getAll('scope'), authenticated, options);
  return jsonResponse(200, body);
}

function handlePost(request: FakeRequest, options: TokenServerOptions): FakeResponse {
  const form = new URLSearchParams(request.body.toString('utf8'));
  const service = form.get('service');
  if (service !== null && service !== FAKE_SERVICE) return jsonResponse(400, { error: 'invalid_request' });
  if (form.get('client_id') === null) {
    return jsonResponse(400, { error: 'invalid_request', error_description: 'client_id required' });
  }
  if (form.get('grant_type') !== 'password') return jsonResponse(400, { error: 'unsupported_grant_type' });
  const given = { username: form.get('username') ?? '', password: form.get('password') ?? '' };
  if (!sameCredentials(given, options.credentials)) {
    return jsonResponse(401, { error: 'invalid_grant', error_description: 'incorrect username or password' });
  }
  // OAuth2 form scopes are space-separated within one field (RFC 6749 §3.3); also accept repeats.
  const scopes = form.getAll('scope').flatMap((value) => value.split(' ')).filter((scope) => scope !== '');
  return jsonResponse(200, issue(scopes, true, options));
}

function issue(scopes: string[], authenticated: boolean, options: TokenServerOptions): Record<string, unknown> {
  const pullable = new Set<string>();
  for (const scope of scopes) {
    const repository = pullScopeRepository(scope);
    if (repository === undefined) continue;
    if (options.privateRepositories().has(repository) && !authenticated) continue;
    pullable.add(repository);
  }
  const issued = options.tokens.issue(pullable, options.tokenExpiresInSec());
  return {
    token: issued.token,
    access_token: issued.token,
    expires_in: issued.expiresInSec,
    issued_at: issued.issuedAt,
  };
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
