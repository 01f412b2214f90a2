import { createHash } from 'node:crypto';
import { compare } from 'bcryptjs';
import { LRUCache } from 'lru-cache';
import { parseBasicAuthorization } from './basic-authorization.js';
import { FailedLoginLimiter } from './failed-login-limiter.js';
import type { HtpasswdUsers } from './htpasswd.js';

export type LoginResult =
  | { outcome: 'ok'; username: string }
  /** No Basic credentials: the client has to be challenged (not a failed login). */
  | { outcome: 'missing' }
  | { outcome: 'invalid' }
  | { outcome: 'rate-limited'; retryAfterSeconds: number };

export interface ClientAuthenticatorOptions {
  limiter?: FailedLoginLimiter;
  /** How long a verified login is trusted without another bcrypt run. */
  verifiedTtlMs?: number;
  /** Verified logins remembered at once. */
  maxVerified?: number;
}

/**
 * Checks Basic credentials against htpasswd bcrypt hashes. bcrypt is slow on purpose (and runs
 * on the event loop here), so a successful check is remembered for `verifiedTtlMs` under a
 * SHA-256 of the credentials (never the password itself): a pull of 50 layers costs one bcrypt
 * run. Failed logins are limited per client address before any bcrypt work is done.
 */
export class ClientAuthenticator {
  #users: HtpasswdUsers;
  readonly #verified: LRUCache<string, string>;
  readonly #limiter: FailedLoginLimiter;

  constructor(users: HtpasswdUsers, options: ClientAuthenticatorOptions = {}) {
    this.#users = users;
    this.#limiter = options.limiter ?? new FailedLoginLimiter();
    this.#verified = new LRUCache<string, string>({ max: options.maxVerified ?? 1_000, ttl: options.verifiedTtlMs ?? 60_000 });
  }

  /** A reloaded htpasswd file: verifications made against the old one are forgotten. */
  replaceUsers(users: HtpasswdUsers): void {
    this.#users = users;
    this.#verified.clear();
  }

  async authenticate(authorization: string | undefined, clientAddress: string): Promise<LoginResult> {
    const credentials = parseBasicAuthorization(authorization);
    if (credentials === undefined) return { outcome: 'missing' };
    const key = createHash('sha256').update(`${credentials.username}\0${credentials.password}`).digest('hex');
    const cached = this.#verified.get(key);
    if (cached !== undefined) return { outcome: 'ok', username: cached };
    const retryAfterSeconds = this.#limiter.retryAfterSeconds(clientAddress);
    if (retryAfterSeconds !== undefined) return { outcome: 'rate-limited', retryAfterSeconds };
    const hash = this.#users.get(credentials.username);
    // An unknown user still costs one bcrypt run (against some real hash), so response time does
    // not tell which user names exist.
    const matched = await compare(credentials.password, hash ?? this.#anyHash());
    if (!matched || hash === undefined) {
      this.#limiter.recordFailure(clientAddress);
      return { outcome: 'invalid' };
    }
    this.#verified.set(key, credentials.username);
    return { outcome: 'ok', username: credentials.username };
  }

  #anyHash(): string {
    return this.#users.values().next().value ?? '';
  }
}
