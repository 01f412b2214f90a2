import { describe, expect, it } from 'vitest';
import {
  isValidRepositoryName,
  isValidTag,
  parseManifestReference,
  parseRepositoryName,
  parseTag,
} from '../../../src/oci/reference.js';
import { RegistryError } from '../../../src/oci/registry-error.js';

const SHA256 = `sha256:${'a'.repeat(64)}`;

function thrown(action: () => unknown): RegistryError {
  try {
    action();
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('isValidRepositoryName', () => {
  it.each([
    'a',
    'library/alpine',
    'alpine',
    'a/b/c/d/e',
    'my-org/my-repo',
    'a--b',
    'a---------b',
    'a_b',
    'a__b',
    'a.b',
    'a.b.c/d_e/f--g',
    '0',
    '9a/0b',
    'ghcr.io/owner/repo', // a host-looking first component is still grammatical
    'a'.repeat(255),
    `${'a'.repeat(127)}/${'b'.repeat(127)}`,
  ])('accepts %j', (name) => {
    expect(isValidRepositoryName(name)).toBe(true);
    expect(parseRepositoryName(name)).toBe(name);
  });

  it.each([
    '',
    'A',
    'Library/alpine',
    'library/Alpine',
    'a___b',
    'a..b',
    'a._b',
    'a_-b',
    'a-',
    '-a',
    '.a',
    '_a',
    'a_',
    'a.',
    '/a',
    'a/',
    'a//b',
    'a/./b',
    'a/../b',
    '..',
    '.',
    '%2e%2e',
    'a/%2e%2e/b',
    'a%2Fb',
    'a:b',
    'a@b',
    'a b',
    ' a',
    'a\n',
    'a\u0000',
    'caf\u00e9',
    'a\u2010b', // unicode hyphen
    '\uff41', // fullwidth a
    'a'.repeat(256),
    `${'a'.repeat(200)}/${'b'.repeat(55)}`,
  ])('rejects %j', (name) => {
    expect(isValidRepositoryName(name)).toBe(false);
    const error = thrown(() => parseRepositoryName(name));
    expect(error.code).toBe('NAME_INVALID');
    expect(error.status).toBe(400);
    expect(error.message).toBe('invalid repository name');
  });

  it('truncates the name in the error detail to 80 characters', () => {
    const error = thrown(() => parseRepositoryName('A'.repeat(1000)));
    const detail = error.detail as { name: string };
    expect(detail.name.startsWith('A'.repeat(80))).toBe(true);
    expect(detail.name.length).toBeLessThanOrEqual(81);
  });

  it('finishes on pathological input that would make a backtracking regex explode', () => {
    const hostile = `${'a-'.repeat(50_000)}!`;
    expect(isValidRepositoryName(hostile)).toBe(false);
    // Also within the length cap, where the scanner really runs.
    expect(isValidRepositoryName(`${'a-'.repeat(120)}!`)).toBe(false);
    expect(isValidRepositoryName(`${'a_'.repeat(120)}a`)).toBe(true);
    expect(isValidRepositoryName(`${'a/'.repeat(127)}a`)).toBe(true);
  });
});

describe('isValidTag / parseTag', () => {
  it.each(['latest', '3.19', 'v1.2.3-rc.1', '_private', 'A', 'UPPER_case.1-x', 'sha256-abc', 'a'.repeat(128), '0'])(
    'accepts %j',
    (tag) => {
      expect(isValidTag(tag)).toBe(true);
      expect(parseTag(tag)).toBe(tag);
    },
  );

  it.each([
    '',
    '.INVALID_MANIFEST_NAME',
    '-dash',
    '.',
    '..',
    '%2e%2e',
    'a/b',
    'a:b',
    'a@b',
    'a b',
    'a+b',
    'caf\u00e9',
    'a\n',
    'a'.repeat(129),
    'a'.repeat(100_000),
  ])('rejects %j with 404 MANIFEST_UNKNOWN', (tag) => {
    expect(isValidTag(tag)).toBe(false);
    const error = thrown(() => parseTag(tag));
    expect(error.code).toBe('MANIFEST_UNKNOWN');
    expect(error.status).toBe(404);
    expect(error.message.length).toBeLessThan(120);
  });

  it('quotes the tag in the message', () => {
    expect(thrown(() => parseTag('.INVALID_MANIFEST_NAME')).message).toBe('invalid tag ".INVALID_MANIFEST_NAME"');
  });
});

describe('parseManifestReference', () => {
  it('reads a tag', () => {
    expect(parseManifestReference('latest')).toEqual({ kind: 'tag', tag: 'latest' });
  });

  it('reads a digest', () => {
    expect(parseManifestReference(SHA256)).toEqual({ kind: 'digest', digest: SHA256 });
  });

  it.each(['sha256:totallywrong', 'sha256:', ':abc', 'md5:d41d8cd98f00b204e9800998ecf8427e', `sha256:${'A'.repeat(64)}`])(
    'rejects the malformed digest %j with 400 DIGEST_INVALID',
    (text) => {
      const error = thrown(() => parseManifestReference(text));
      expect(error.code).toBe('DIGEST_INVALID');
      expect(error.status).toBe(400);
    },
  );

  it('rejects an invalid tag with 404', () => {
    const error = thrown(() => parseManifestReference('.INVALID_MANIFEST_NAME'));
    expect(error.code).toBe('MANIFEST_UNKNOWN');
    expect(error.status).toBe(404);
  });
});
