import { describe, expect, it } from 'vitest';
import { MAX_PAGE_SIZE, parsePageRequest } from '../../../src/oci/pagination.js';
import { RegistryError } from '../../../src/oci/registry-error.js';

function thrown(action: () => unknown): RegistryError {
  try {
    action();
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('parsePageRequest', () => {
  it('is 10000 at most', () => {
    expect(MAX_PAGE_SIZE).toBe(10_000);
  });

  it.each([
    [{}, {}],
    [{ n: null, last: null }, {}],
    [{ n: '', last: '' }, {}],
    [{ n: '0' }, { n: 0 }],
    [{ n: '1' }, { n: 1 }],
    [{ n: '10000' }, { n: 10_000 }],
    [{ n: '00010' }, { n: 10 }],
    [{ last: 'v1.2.3' }, { last: 'v1.2.3' }],
    [{ last: '_private' }, { last: '_private' }],
    [{ last: 'UPPER' }, { last: 'UPPER' }],
    [{ last: 'library/alpine' }, { last: 'library/alpine' }], // catalog
    [{ n: '5', last: 'latest' }, { n: 5, last: 'latest' }],
  ])('reads %j', (query, expected) => {
    expect(parsePageRequest(query)).toEqual(expected);
  });

  it.each(['10001', '-1', '+1', '1.0', '1e3', '0x10', ' 1', '1 ', 'abc', '\u0661', '99999999999999999999', '9'.repeat(100_000), 'NaN', 'Infinity'])(
    'rejects n=%j',
    (n) => {
      const error = thrown(() => parsePageRequest({ n }));
      expect(error.code).toBe('PAGINATION_NUMBER_INVALID');
      expect(error.status).toBe(400);
      expect(error.message).toBe('n must be an integer between 0 and 10000');
    },
  );

  it.each(['.hidden', '-x', 'a/', '/a', 'a//b', '..', '%2e%2e', 'a b', 'caf\u00e9', 'a:b', 'a'.repeat(256), 'Library/alpine'])(
    'rejects last=%j',
    (last) => {
      const error = thrown(() => parsePageRequest({ last }));
      expect(error.code).toBe('PAGINATION_NUMBER_INVALID');
      expect(error.status).toBe(400);
      expect(error.message).toBe('invalid "last" parameter');
    },
  );
});
