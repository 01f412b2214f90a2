import { randomBytes } from 'node:crypto';

export interface IssuedToken {
  token: string;
  expiresInSec: number;
  issuedAt: string;
}

export interface TokenGrant {
  /** Repositories this token may pull. */
  pullable: ReadonlySet<string>;
  expiresAtMs: number;
}

export type TokenCheck = { kind: 'valid'; grant: TokenGrant } | { kind: 'invalid' };

/** Opaque bearer tokens with a real-clock expiry (a test may use a small `expiresInSec`). */
export class TokenStore {
  #grants = new Map<string, TokenGrant>();

  issue(pullable: ReadonlySet<string>, expiresInSec: number): IssuedToken {
    const token = `fake.${randomBytes(18).toString('base64url')}`;
    const nowMs = Date.now();
    this.#grants.set(token, { pullable, expiresAtMs: nowMs + expiresInSec * 1000 });
    return { token, expiresInSec, issuedAt: new Date(nowMs).toISOString() };
  }

  check(token: string): TokenCheck {
    const grant = this.#grants.get(token);
    if (grant === undefined) return { kind: 'invalid' };
    if (Date.now() >= grant.expiresAtMs) {
      this.#grants.delete(token);
      return { kind: 'invalid' };
    }
    return { kind: 'valid', grant };
  }
}

/** `repository:<name>:<actions>` → name, when the actions include pull; other scopes are ignored. */
export function pullScopeRepository(scope: string): string | undefined {
  const first = scope.indexOf(':');
  const last = scope.lastIndexOf(':');
  if (first < 0 || last <= first) return undefined;
  if (scope.slice(0, first) !== 'repository') return undefined;
  const actions = scope.slice(last + 1).split(',');
  if (!actions.includes('pull') && !actions.includes('*')) return undefined;
  return scope.slice(first + 1, last);
}
