import { readFileSync } from 'node:fs';

// The file `htpasswd -B` writes (Apache's format, as the distribution registry reads it): one
// `user:hash` per line. Only bcrypt hashes are accepted: the other formats Apache allows (MD5
// `$apr1$`, SHA1 `{SHA}`, crypt) are too cheap to brute-force, and distribution refuses them too.

/** User name → bcrypt hash. */
export type HtpasswdUsers = ReadonlyMap<string, string>;

/** `$2a$`, `$2b$` or `$2y$` (htpasswd writes 2y), two-digit cost, 22 salt + 31 hash characters. */
const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;

/** A file that cannot be used; the message never holds a hash. */
export class HtpasswdError extends Error {
  override name = 'HtpasswdError';
}

export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const user = colon === -1 ? '' : line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon <= 0) throw new HtpasswdError(`line ${index + 1}: expected "user:hash"`);
    if (!BCRYPT_HASH.test(hash)) {
      throw new HtpasswdError(`line ${index + 1}: user ${JSON.stringify(user)} has no bcrypt hash (write entries with htpasswd -B)`);
    }
    if (users.has(user)) throw new HtpasswdError(`line ${index + 1}: user ${JSON.stringify(user)} appears twice`);
    users.set(user, hash);
  });
  if (users.size === 0) throw new HtpasswdError('holds no users (add one with htpasswd -B)');
  return users;
}

/** Reads and parses `file`; every failure is an HtpasswdError naming the file. */
export function readHtpasswd(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new HtpasswdError(`cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'read error'})`);
  }
  try {
    return parseHtpasswd(text);
  } catch (error) {
    throw new HtpasswdError(`${file}: ${(error as Error).message}`);
  }
}
