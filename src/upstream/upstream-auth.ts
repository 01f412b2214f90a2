import { request, type Dispatcher } from 'undici';
import { parseAuthChallenge, type AuthChallenge } from './auth-challenge.js';
import { readCapped } from './read-capped.js';
import { TokenCache } from './token-cache.js';
import { UpstreamError, classifyTransportError } from './upstream-error.js';

const MAX_TOKEN_RESPONSE_BYTES = 64 * 1024;

export interface UpstreamCredentials {
  username: string;
  password: string;
}

/**
 * Authorization for one upstream: learns the challenge from a 401, then fetches bearer tokens
 * per repository scope (anonymously, or with the configured credentials) or sends Basic.
 * Credentials go only to the upstream itself and the token realm it names.
 */
export class UpstreamAuth {
  private challenge: AuthChallenge | undefined;
  private readonly tokens = new TokenCache();

  constructor(
    private readonly upstreamName: string,
    private readonly upstreamUrl: URL,
    private readonly credentials: UpstreamCredentials | undefined,
    private readonly dispatcher: Dispatcher,
  ) {}

  /** The Authorization header to send for a scope, if a challenge has been seen. */
  async headerFor(scope: string | undefined): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') return this.basicHeader();
    if (challenge.scheme !== 'bearer') return undefined;
    const token = await this.tokens.get(this.tokenKey(challenge, scope), () => this.fetchToken(challenge, scope));
    return token ? `Bearer ${token}` : undefined;
  }

  /**
   * Called with a 401's challenge. Returns true when a retry with new authorization makes sense
   * (first challenge, or a token that may have expired upstream).
   */
  learn(header: string | string[] | undefined, scope: string | undefined): boolean {
    const challenge = parseAuthChallenge(header);
    if (!challenge) return false;
    if (challenge.scheme === 'basic') {
      const first = this.challenge?.scheme !== 'basic';
      this.challenge = challenge;
      return first && this.credentials !== undefined;
    }
    if (challenge.scheme !== 'bearer' || !challenge.params.realm) return false;
    this.challenge = { scheme: 'bearer', params: { realm: challenge.params.realm, service: challenge.params.service ?? '' } };
    this.tokens.invalidate(this.tokenKey(this.challenge, scope));
    return true;
  }

  get cachedTokenCount(): number {
    return this.tokens.size;
  }

  private tokenKey(challenge: AuthChallenge, scope: string | undefined): string {
    return `${challenge.params.realm}\u0000${challenge.params.service ?? ''}\u0000${scope ?? ''}`;
  }

  private basicHeader(): string | undefined {
    if (!this.credentials) return undefined;
    const { username, password } = this.credentials;
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  private async fetchToken(
    challenge: AuthChallenge,
    scope: string | undefined,
  ): Promise<{ token: string; expiresInSeconds: number }> {
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      throw new UpstreamError('bad-response', this.upstreamName, `upstream ${this.upstreamName} named an invalid token realm`);
    }
    if (realm.protocol !== 'https:' && realm.protocol !== 'http:') {
      throw new UpstreamError('bad-response', this.upstreamName, `upstream ${this.upstreamName} named a non-HTTP token realm`);
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    if (scope) realm.searchParams.set('scope', scope);
    const headers: Record<string, string> = {};
    // Never send a password in clear text to a realm when the registry itself uses TLS.
    const plaintextDowngrade = realm.protocol === 'http:' && this.upstreamUrl.protocol === 'https:';
    const basic = plaintextDowngrade ? undefined : this.basicHeader();
    if (basic) headers.authorization = basic;
    let response: Dispatcher.ResponseData;
    try {
      response = await request(realm, { method: 'GET', headers, dispatcher: this.dispatcher });
    } catch (error) {
      throw classifyTransportError(this.upstreamName, error);
    }
    if (response.statusCode !== 200) {
      await response.body.dump().catch(() => undefined);
      const failure = response.statusCode === 401 || response.statusCode === 403 ? 'denied' : response.statusCode === 429 ? 'rate-limited' : 'server-error';
      throw new UpstreamError(
        failure,
        this.upstreamName,
        `token service of upstream ${this.upstreamName} answered ${response.statusCode}`,
        { upstreamStatus: response.statusCode },
      );
    }
    const body = await readCapped(response.body, MAX_TOKEN_RESPONSE_BYTES).catch((error: unknown) => {
      throw classifyTransportError(this.upstreamName, error);
    });
    let parsed: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      throw new UpstreamError('bad-response', this.upstreamName, `token service of upstream ${this.upstreamName} sent invalid JSON`);
    }
    const token = typeof parsed.token === 'string' ? parsed.token : parsed.access_token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new UpstreamError('bad-response', this.upstreamName, `token service of upstream ${this.upstreamName} sent no token`);
    }
    // Token spec: expires_in defaults to 60 s when absent.
    const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 60;
    return { token, expiresInSeconds: expiresIn };
  }
}
