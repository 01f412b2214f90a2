import { describe, expect, it } from 'vitest';
import {
  createDigester,
  digestAlgorithm,
  digestHex,
  digestOf,
  isDigest,
  parseDigest,
} from '../../../src/oci/digest.js';
import { RegistryError } from '../../../src/oci/registry-error.js';

const EMPTY_SHA256 = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const EMPTY_SHA512 =
  'sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e';

describe('parseDigest', () => {
  it.each([EMPTY_SHA256, EMPTY_SHA512])('accepts %j', (text) => {
    expect(parseDigest(text)).toBe(text);
    expect(isDigest(text)).toBe(true);
  });

  it.each([
    '',
    'sha256',
    'sha256:',
    ':' + 'a'.repeat(64),
    'sha256:totallywrong',
    `sha256:${'a'.repeat(63)}`,
    `sha256:${'a'.repeat(65)}`,
    `sha256:${'A'.repeat(64)}`, // encoded must be lowercase for sha256
    `SHA256:${'a'.repeat(64)}`,
    `sha256:${'g'.repeat(64)}`,
    `sha512:${'a'.repeat(64)}`,
    `md5:${'a'.repeat(32)}`,
    `blake3:${'a'.repeat(64)}`,
    `sha256:${'a'.repeat(64)}\n`,
    ` sha256:${'a'.repeat(64)}`,
    `sha256:${'a'.repeat(32)}:${'a'.repeat(31)}`,
    `sha256:%2e%2e`,
    `sha256:../${'a'.repeat(61)}`,
    `sha256:${'\u0430'.repeat(64)}`, // Cyrillic a
    `sha256:${'a'.repeat(100_000)}`,
  ])('rejects %j with 400 DIGEST_INVALID', (text) => {
    expect(isDigest(text)).toBe(false);
    let caught: unknown;
    try {
      parseDigest(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RegistryError);
    expect((caught as RegistryError).code).toBe('DIGEST_INVALID');
    expect((caught as RegistryError).status).toBe(400);
  });

  it('names an unsupported algorithm', () => {
    expect(() => parseDigest(`md5:${'a'.repeat(32)}`)).toThrow(/unsupported digest algorithm "md5"/);
  });
});

describe('digest helpers', () => {
  it('splits a digest', () => {
    const digest = parseDigest(EMPTY_SHA512);
    expect(digestAlgorithm(digest)).toBe('sha512');
    expect(digestHex(digest)).toBe(EMPTY_SHA512.slice('sha512:'.length));
  });

  it('hashes bytes with the default and a chosen algorithm', () => {
    expect(digestOf(new Uint8Array())).toBe(EMPTY_SHA256);
    expect(digestOf(new Uint8Array(), 'sha512')).toBe(EMPTY_SHA512);
    expect(digestOf(new TextEncoder().encode('abc'))).toBe(
      'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('hashes incrementally to the same digest', () => {
    const hash = createDigester('sha256');
    hash.update(new TextEncoder().encode('a'));
    hash.update(new TextEncoder().encode('bc'));
    expect(`sha256:${hash.digest('hex')}`).toBe(digestOf(new TextEncoder().encode('abc')));
  });
});
