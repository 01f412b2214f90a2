import { describe, expect, it } from 'vitest';
import { parseImageList } from '../../../src/prewarm/image-list-file.js';

describe('parseImageList', () => {
  it('takes one reference per line, ignoring blank lines, whole-line and trailing comments', () => {
    const text = '# base images\nalpine:3.20\n\n  ghcr.io/org/app:1   # ours\r\n#debian:12\n\t\nrepo@sha256:abc\n';
    expect(parseImageList(text)).toEqual(['alpine:3.20', 'ghcr.io/org/app:1', 'repo@sha256:abc']);
  });

  it('returns nothing for an empty or comment-only file', () => {
    expect(parseImageList('')).toEqual([]);
    expect(parseImageList('# nothing yet\n\n')).toEqual([]);
  });
});
