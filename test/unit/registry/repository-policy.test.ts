import { describe, expect, it } from 'vitest';
import { RegistryError } from '../../../src/oci/registry-error.js';
import { globToRegExp, RepositoryPolicy } from '../../../src/registry/repository-policy.js';

function refusal(policy: RepositoryPolicy, repository: string): RegistryError | undefined {
  try {
    policy.check(repository);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(RegistryError);
    return error as RegistryError;
  }
}

describe('globToRegExp', () => {
  it.each([
    ['library/*', 'library/alpine', true],
    ['library/*', 'library/team/app', false],
    ['library/**', 'library/team/app', true],
    ['**', 'a/b/c', true],
    ['team-*/app', 'team-a/app', true],
    ['team-*/app', 'team-a/b/app', false],
    ['**/alpine', 'x/y/alpine', true],
    ['a.b', 'axb', false],
    ['library/alpine', 'library/alpine', true],
    ['library/alpine', 'library/alpine2', false],
  ] as const)('%s matches %s: %s', (pattern, name, expected) => {
    expect(globToRegExp(pattern).test(name)).toBe(expected);
  });
});

describe('RepositoryPolicy', () => {
  it('allows everything without lists', () => {
    expect(refusal(new RepositoryPolicy('docker.io', {}), 'library/alpine')).toBeUndefined();
  });

  it('refuses a deny match with 403 DENIED naming the rule', () => {
    const error = refusal(new RepositoryPolicy('docker.io', { deny: ['library/ev*'] }), 'library/evil');
    expect(error?.status).toBe(403);
    expect(error?.code).toBe('DENIED');
    expect(error?.message).toContain('deny rule "library/ev*"');
    expect(error?.message).toContain('docker.io');
  });

  it('with an allow list, refuses names outside it and lists the rules', () => {
    const policy = new RepositoryPolicy('ghcr.io', { allow: ['myorg/**', 'library/*'] });
    expect(refusal(policy, 'myorg/a/b')).toBeUndefined();
    const error = refusal(policy, 'other/app');
    expect(error?.code).toBe('DENIED');
    expect(error?.message).toContain('no allow rule ("myorg/**", "library/*")');
  });

  it('deny wins over allow', () => {
    const policy = new RepositoryPolicy('ghcr.io', { allow: ['myorg/**'], deny: ['myorg/secret/**'] });
    expect(refusal(policy, 'myorg/public')).toBeUndefined();
    expect(refusal(policy, 'myorg/secret/x')?.message).toContain('deny rule "myorg/secret/**"');
  });

  it('an empty allow list refuses everything', () => {
    expect(refusal(new RepositoryPolicy('docker.io', { allow: [] }), 'library/alpine')?.code).toBe('DENIED');
  });
});
