import { describe, expect, it } from 'vitest';
import { HtpasswdError, parseHtpasswd } from '../../../src/auth/htpasswd.js';

// Lines as `htpasswd -nbB -C 4` (apache2-utils) wrote them.
const ALICE = 'alice:$2y$04$TIrg8XLSdzgNtjuFqWbfZufCABJxWfkdFAW8kT/Be86eRpQR.2xYW';
const BOB = 'bob:$2y$04$tS1/.ls8MeePEVXHm/q2WOVBhrCzqaW68PNc8l959eCEM4m9u951e';

function errorOf(text: string): HtpasswdError {
  try {
    parseHtpasswd(text);
  } catch (error) {
    expect(error).toBeInstanceOf(HtpasswdError);
    return error as HtpasswdError;
  }
  throw new Error('expected parseHtpasswd to throw');
}

describe('parseHtpasswd', () => {
  it('reads bcrypt entries, skipping blank lines and comments (CRLF too)', () => {
    const users = parseHtpasswd(`# team\r\n${ALICE}\r\n\r\n${BOB}\n`);
    expect([...users.keys()]).toEqual(['alice', 'bob']);
    expect(users.get('alice')).toMatch(/^\$2y\$04\$/);
  });

  it('refuses other hash formats, naming the line and user but not the hash', () => {
    const md5 = 'carol:$apr1$abcdefgh$0123456789abcdefghijkl';
    const error = errorOf(`${ALICE}\n${md5}\n`);
    expect(error.message).toBe('line 2: user "carol" has no bcrypt hash (write entries with htpasswd -B)');
    expect(error.message).not.toContain('$apr1$');
    expect(errorOf('dave:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=').message).toContain('line 1');
  });

  it('refuses lines without a user, duplicates and files without users', () => {
    expect(errorOf(':$2y$04$TIrg8XLSdzgNtjuFqWbfZufCABJxWfkdFAW8kT/Be86eRpQR.2xYW').message).toBe('line 1: expected "user:hash"');
    expect(errorOf('no-colon').message).toBe('line 1: expected "user:hash"');
    expect(errorOf(`${ALICE}\n${ALICE}`).message).toBe('line 2: user "alice" appears twice');
    expect(errorOf('# nobody\n').message).toContain('holds no users');
  });
});
