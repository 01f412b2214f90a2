import { describe, expect, it } from 'vitest';
import { parseImageReference } from '../../../src/oci/image-reference.js';
import { mirrorPath, mirrorRouteFor } from '../../../src/prewarm/mirror-route.js';

describe('mirrorRouteFor', () => {
  it.each([
    ['alpine:3.20', { repository: 'library/alpine', namespace: 'docker.io' }],
    ['bitnami/redis:7', { repository: 'bitnami/redis', namespace: 'docker.io' }],
    ['docker.io/alpine', { repository: 'library/alpine', namespace: 'docker.io' }],
    ['index.docker.io/library/alpine', { repository: 'library/alpine', namespace: 'docker.io' }],
    ['ghcr.io/org/app:1', { repository: 'org/app', namespace: 'ghcr.io' }],
    ['localhost:5000/app', { repository: 'app', namespace: 'localhost:5000' }],
    ['registry.k8s.io/pause:3.9', { repository: 'pause', namespace: 'registry.k8s.io' }],
  ])('routes %s as containerd does', (text, route) => {
    expect(mirrorRouteFor(parseImageReference(text))).toEqual(route);
  });
});

describe('mirrorPath', () => {
  it('puts the repository in the path and the registry in ?ns=', () => {
    expect(mirrorPath({ repository: 'library/alpine', namespace: 'docker.io' }, 'manifests', '3.20')).toBe(
      '/v2/library/alpine/manifests/3.20?ns=docker.io',
    );
    expect(mirrorPath({ repository: 'app', namespace: 'localhost:5000' }, 'blobs', 'sha256:ab')).toBe('/v2/app/blobs/sha256:ab?ns=localhost%3A5000');
  });
});
