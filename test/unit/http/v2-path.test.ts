import { describe, expect, it } from 'vitest';
import { parseV2Path } from '../../../src/http/v2-path.js';
import { RegistryError } from '../../../src/oci/registry-error.js';

const hex = 'a'.repeat(64);

function codeOf(path: string): [number, string] {
  try {
    parseV2Path(path);
  } catch (error) {
    if (error instanceof RegistryError) return [error.status, error.code];
    throw error;
  }
  return [0, 'ok'];
}

describe('parseV2Path', () => {
  it('parses every read endpoint, with nested names', () => {
    expect(parseV2Path('/v2/')).toEqual({ kind: 'base' });
    expect(parseV2Path('/v2')).toEqual({ kind: 'base' });
    expect(parseV2Path('/v2/_catalog')).toEqual({ kind: 'catalog' });
    expect(parseV2Path('/v2/team/sub/project/manifests/v1')).toEqual({ kind: 'manifest', name: 'team/sub/project', reference: { kind: 'tag', tag: 'v1' } });
    expect(parseV2Path(`/v2/a/manifests/sha256:${hex}`)).toMatchObject({ reference: { kind: 'digest', digest: `sha256:${hex}` } });
    expect(parseV2Path(`/v2/a/blobs/sha256:${hex}`)).toEqual({ kind: 'blob', name: 'a', digest: `sha256:${hex}` });
    expect(parseV2Path('/v2/a/b/tags/list')).toEqual({ kind: 'tags', name: 'a/b' });
    expect(parseV2Path(`/v2/a/referrers/sha256:${hex}`)).toEqual({ kind: 'referrers', name: 'a', digest: `sha256:${hex}` });
    expect(parseV2Path('/v2/a/blobs/uploads/')).toEqual({ kind: 'upload' });
    expect(parseV2Path('/v2/a/blobs/uploads/some-uuid')).toEqual({ kind: 'upload' });
  });
  it('uses the last keyword, so a repository may be called "manifests"', () => {
    expect(parseV2Path('/v2/manifests/manifests/latest')).toMatchObject({ name: 'manifests', reference: { tag: 'latest' } });
  });
  it('answers bad input with the right OCI error', () => {
    expect(codeOf('/v2/Upper/manifests/latest')).toEqual([400, 'NAME_INVALID']);
    expect(codeOf('/v2/a/%2e%2e/manifests/latest')).toEqual([400, 'NAME_INVALID']);
    expect(codeOf('/v2/../manifests/latest')).toEqual([400, 'NAME_INVALID']);
    expect(codeOf('/v2/a%2Fb/manifests/latest')).toEqual([400, 'NAME_INVALID']);
    expect(codeOf('/v2/a/manifests/.INVALID_MANIFEST_NAME')).toEqual([404, 'MANIFEST_UNKNOWN']);
    expect(codeOf('/v2/a/manifests/sha256:totallywrong')).toEqual([400, 'DIGEST_INVALID']);
    expect(codeOf(`/v2/a/blobs/md5:${hex.slice(0, 32)}`)).toEqual([400, 'DIGEST_INVALID']);
    expect(codeOf('/v2/a/blobs/latest')).toEqual([400, 'DIGEST_INVALID']);
    expect(codeOf('/v2/a/unknown/thing')).toEqual([404, 'UNSUPPORTED']);
    expect(codeOf(`/v2/${'a/'.repeat(1100)}manifests/x`)).toEqual([400, 'NAME_INVALID']);
    expect(codeOf('/other')).toEqual([404, 'UNSUPPORTED']);
  });
});
