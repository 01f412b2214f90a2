import { describe, expect, it } from 'vitest';
import type { UpstreamConfig } from '../../../src/config/schema.js';
import type { RepositoryName } from '../../../src/oci/reference.js';
import { UpstreamRouter, type UpstreamEntry } from '../../../src/registry/upstream-router.js';
import type { Upstream } from '../../../src/upstream/upstream.js';

function entry(name: string, url: string, extra: Partial<UpstreamConfig> = {}): UpstreamEntry {
  const config: UpstreamConfig = {
    name,
    url,
    aliases: [],
    default: false,
    tagTtlMs: 1,
    negativeTtlMs: 1,
    maxConnections: 1,
    timeouts: { connectMs: 1, headersMs: 1, bodyIdleMs: 1 },
    ...extra,
  };
  return { config, client: { name } as Upstream };
}

const router = new UpstreamRouter([
  entry('docker.io', 'http://127.0.0.1:1', { default: true }),
  entry('ghcr.io', 'https://ghcr.io'),
  entry('example', 'http://127.0.0.1:2', { aliases: ['registry.example.test:5000'] }),
]);
const route = (name: string, ns?: string) => {
  const r = router.route(name as RepositoryName, ns);
  return [r.upstream.config.name, r.repository];
};

describe('UpstreamRouter', () => {
  it('sends plain names to the default upstream with Docker Hub library/ rules', () => {
    expect(route('alpine')).toEqual(['docker.io', 'library/alpine']);
    expect(route('team/app')).toEqual(['docker.io', 'team/app']);
  });
  it('routes by ?ns= using names, URL hosts, aliases and Docker Hub aliases', () => {
    expect(route('alpine', 'docker.io')).toEqual(['docker.io', 'library/alpine']);
    expect(route('alpine', 'registry-1.docker.io')).toEqual(['docker.io', 'library/alpine']);
    expect(route('alpine', 'index.docker.io')).toEqual(['docker.io', 'library/alpine']);
    expect(route('org/app', 'ghcr.io')).toEqual(['ghcr.io', 'org/app']);
    expect(route('team/app', 'registry.example.test:5000')).toEqual(['example', 'team/app']);
    expect(route('app', 'example')).toEqual(['example', 'app']);
  });
  it('routes by path prefix', () => {
    expect(route('ghcr.io/org/app')).toEqual(['ghcr.io', 'org/app']);
    expect(route('example/app')).toEqual(['example', 'app']);
  });
  it('refuses unknown registries by ns or by a host-like prefix', () => {
    expect(() => route('app', 'quay.io')).toThrow(/mirrors no registry "quay.io"; configured: docker.io, ghcr.io, example/);
    expect(() => route('quay.io/org/app')).toThrow(/NAME_UNKNOWN|mirrors no registry/);
  });
  it('names cached repositories as clients do', () => {
    expect(router.clientNameFor('docker.io', 'library/alpine')).toBe('library/alpine');
    expect(router.clientNameFor('ghcr.io', 'org/app')).toBe('ghcr.io/org/app');
  });
});
