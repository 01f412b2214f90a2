import * as bcrypt from 'bcryptjs';
import { describe, expect, it, vi } from 'vitest';
import { ClientAuthenticator } from '../../../src/auth/client-authenticator.js';
import { FailedLoginLimiter } from '../../../src/auth/failed-login-limiter.js';
import { parseHtpasswd } from '../../../src/auth/htpasswd.js';

vi.mock('bcryptjs', { spy: true });

const users = parseHtpasswd('alice:$2y$04$TIrg8XLSdzgNtjuFqWbfZufCABJxWfkdFAW8kT/Be86eRpQR.2xYW\n');
const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('ClientAuthenticator', () => {
  it('accepts the htpasswd password and remembers it: one bcrypt run for many requests', async () => {
    vi.mocked(bcrypt.compare).mockClear();
    const auth = new ClientAuthenticator(users);
    for (let i = 0; i < 50; i += 1) {
      expect(await auth.authenticate(basic('alice', 'correct horse'), '10.0.0.1')).toEqual({ outcome: 'ok', username: 'alice' });
    }
    expect(bcrypt.compare).toHaveBeenCalledTimes(1);
  });

  it('tells missing credentials (challenge) from wrong ones', async () => {
    const auth = new ClientAuthenticator(users);
    expect(await auth.authenticate(undefined, 'a')).toEqual({ outcome: 'missing' });
    expect(await auth.authenticate('Bearer abc', 'a')).toEqual({ outcome: 'missing' });
    expect(await auth.authenticate('Basic !!!', 'a')).toEqual({ outcome: 'missing' });
    expect(await auth.authenticate(basic('alice', 'wrong'), 'a')).toEqual({ outcome: 'invalid' });
    expect(await auth.authenticate(basic('mallory', 'correct horse'), 'a')).toEqual({ outcome: 'invalid' });
  });

  it('an unknown user costs a bcrypt run too (no user-name oracle by timing)', async () => {
    vi.mocked(bcrypt.compare).mockClear();
    await new ClientAuthenticator(users).authenticate(basic('mallory', 'x'), 'a');
    expect(bcrypt.compare).toHaveBeenCalledTimes(1);
  });

  it('rate limits failed logins per address without running bcrypt, and a cached login still passes', async () => {
    const limiter = new FailedLoginLimiter({ maxFailures: 2, windowMs: 60_000, maxAddresses: 10 });
    const auth = new ClientAuthenticator(users, { limiter });
    await auth.authenticate(basic('alice', 'correct horse'), '10.0.0.9');
    await auth.authenticate(basic('alice', 'x'), '10.0.0.9');
    await auth.authenticate(basic('alice', 'y'), '10.0.0.9');
    vi.mocked(bcrypt.compare).mockClear();
    const limited = await auth.authenticate(basic('alice', 'z'), '10.0.0.9');
    expect(limited).toMatchObject({ outcome: 'rate-limited' });
    expect(bcrypt.compare).not.toHaveBeenCalled();
    expect(await auth.authenticate(basic('alice', 'correct horse'), '10.0.0.9')).toMatchObject({ outcome: 'ok' });
    expect(await auth.authenticate(basic('alice', 'z'), '10.0.0.10')).toEqual({ outcome: 'invalid' });
  });

  it('forgets verified logins when the users are replaced', async () => {
    const auth = new ClientAuthenticator(users);
    await auth.authenticate(basic('alice', 'correct horse'), 'a');
    auth.replaceUsers(parseHtpasswd('bob:$2y$04$tS1/.ls8MeePEVXHm/q2WOVBhrCzqaW68PNc8l959eCEM4m9u951e\n'));
    expect(await auth.authenticate(basic('alice', 'correct horse'), 'a')).toEqual({ outcome: 'invalid' });
    expect(await auth.authenticate(basic('bob', 'hunter2'), 'a')).toEqual({ outcome: 'ok', username: 'bob' });
  });
});
