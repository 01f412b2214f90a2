import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/oci/image-reference.js';

const hex = 'b'.repeat(64);

describe('parseImageReference', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'alpine', tag: 'latest', digest: undefined }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'alpine', tag: '3.20', digest: undefined }],
    ['library/alpine:3', { registry: 'docker.io', repository: 'library/alpine', tag: '3', digest: undefined }],
    ['ghcr.io/org/app:1', { registry: 'ghcr.io', repository: 'org/app', tag: '1', digest: undefined }],
    ['localhost:5000/team/app', { registry: 'localhost:5000', repository: 'team/app', tag: 'latest', digest: undefined }],
    ['localhost/app:v', { registry: 'localhost', repository: 'app', tag: 'v', digest: undefined }],
    [`repo@sha256:${hex}`, { registry: 'docker.io', repository: 'repo', tag: undefined, digest: `sha256:${hex}` }],
    [`quay.io/a/b:t@sha256:${hex}`, { registry: 'quay.io', repository: 'a/b', tag: 't', digest: `sha256:${hex}` }],
  ])('%s', (text, expected) => {
    expect(parseImageReference(text)).toEqual(expected);
  });

  it.each(['', 'UPPER', 'a/../b', 'alpine:-bad', 'alpine@sha256:short', 'x'.repeat(600)])('rejects %j', (text) => {
    expect(() => parseImageReference(text)).toThrow();
  });
});
