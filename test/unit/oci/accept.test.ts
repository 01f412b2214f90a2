import { describe, expect, it } from 'vitest';
import { acceptsMediaType, parseAccept } from '../../../src/oci/accept.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from '../../../src/oci/media-types.js';

describe('parseAccept', () => {
  it.each([
    ['no header', undefined],
    ['null', null],
    ['an empty string', ''],
    ['only commas and spaces', ' , ,, '],
    ['no lines', []],
    ['empty lines', ['', '  ']],
  ])('accepts anything given %s', (_label, value) => {
    const accept = parseAccept(value);
    expect(accept.any).toBe(true);
    expect(accept.types.size).toBe(0);
    expect(acceptsMediaType(accept, OCI_INDEX)).toBe(true);
  });

  it('takes the union of all lines split on commas, trimmed and lowercased', () => {
    const accept = parseAccept([
      `${OCI_INDEX}, ${OCI_MANIFEST}`,
      ` ${DOCKER_MANIFEST.toUpperCase()} ,,`,
    ]);
    expect(accept.any).toBe(false);
    expect([...accept.types]).toEqual([OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST]);
    expect(acceptsMediaType(accept, DOCKER_MANIFEST_LIST)).toBe(false);
  });

  it('reads a line Node joined with ", " the same as separate lines', () => {
    const joined = parseAccept(`${OCI_INDEX}, ${DOCKER_MANIFEST}`);
    const separate = parseAccept([OCI_INDEX, DOCKER_MANIFEST]);
    expect([...joined.types]).toEqual([...separate.types]);
  });

  it('drops parameters and ignores q-values, even q=0', () => {
    const accept = parseAccept(`${OCI_MANIFEST}; q=0.5, ${OCI_INDEX};q=0 , ${DOCKER_MANIFEST} ;charset=utf-8`);
    expect([...accept.types]).toEqual([OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST]);
  });

  it.each(['*/*', '*/*;q=0.1', `${OCI_MANIFEST}, */*`, ' */* '])('treats %j as any', (value) => {
    expect(parseAccept(value).any).toBe(true);
    expect(acceptsMediaType(parseAccept(value), DOCKER_MANIFEST_LIST)).toBe(true);
  });

  it('does not treat application/* as any', () => {
    const accept = parseAccept('application/*');
    expect(accept.any).toBe(false);
    expect(acceptsMediaType(accept, OCI_MANIFEST)).toBe(false);
  });

  it('compares media types case-insensitively', () => {
    expect(acceptsMediaType(parseAccept(OCI_INDEX.toUpperCase()), OCI_INDEX)).toBe(true);
    expect(acceptsMediaType(parseAccept(OCI_INDEX), OCI_INDEX.toUpperCase())).toBe(true);
  });

  it('ignores entries over 255 characters, which still count as an Accept', () => {
    const long = `application/${'x'.repeat(300)}`;
    const accept = parseAccept(`${long}, ${OCI_MANIFEST}`);
    expect([...accept.types]).toEqual([OCI_MANIFEST]);
    expect(parseAccept(long).any).toBe(false);
    expect(parseAccept(long).types.size).toBe(0);
  });

  it('keeps at most 64 entries', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `application/x-${i}`).join(',');
    const accept = parseAccept(`${many}, ${OCI_MANIFEST}`);
    expect(accept.types.size).toBe(64);
    expect(acceptsMediaType(accept, OCI_MANIFEST)).toBe(false);
  });

  it('does not merge duplicates into extra entries', () => {
    expect(parseAccept([OCI_INDEX, OCI_INDEX, `${OCI_INDEX};q=1`]).types.size).toBe(1);
  });

  it('finishes on a huge hostile header', () => {
    const accept = parseAccept(`${';'.repeat(100_000)},${'a'.repeat(100_000)}, \u00e9/\u00e9`);
    expect(accept.any).toBe(false);
    expect([...accept.types]).toEqual(['\u00e9/\u00e9']);
  });
});
