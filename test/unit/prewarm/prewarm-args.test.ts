import { describe, expect, it } from 'vitest';
import { parsePrewarmArgs, PrewarmUsageError, type PrewarmArgs } from '../../../src/cli/prewarm.js';

function parsed(argv: string[]): PrewarmArgs {
  const args = parsePrewarmArgs(argv);
  if (args === 'help') throw new Error('unexpected help');
  return args;
}

describe('parsePrewarmArgs', () => {
  it('has defaults: linux/amd64, concurrency 4, no pin, no dry run', () => {
    const args = parsed(['--mirror', 'http://mirror:5000/', 'alpine:3.20', 'ghcr.io/org/app:1', 'alpine:3.20']);
    expect(args).toMatchObject({
      mirrorUrl: 'http://mirror:5000',
      platforms: { kind: 'listed', platforms: [{ os: 'linux', architecture: 'amd64' }] },
      concurrency: 4,
      pin: false,
      dryRun: false,
      insecure: false,
    });
    expect(args.images.map((image) => image.text)).toEqual(['alpine:3.20', 'ghcr.io/org/app:1']);
    expect(args.images[1]?.image).toEqual({ registry: 'ghcr.io', repository: 'org/app', tag: '1', digest: undefined });
  });

  it('takes repeated platforms, all platforms, and the other flags', () => {
    expect(parsed(['--mirror', 'https://m', '--platform', 'linux/arm64', '--platform', 'linux/arm/v7', 'a']).platforms).toEqual({
      kind: 'listed',
      platforms: [
        { os: 'linux', architecture: 'arm64' },
        { os: 'linux', architecture: 'arm', variant: 'v7' },
      ],
    });
    const args = parsed(['--mirror', 'https://m/pfx', '--all-platforms', '--pin', '--concurrency', '16', '--dry-run', '--file', 'f.txt', '--ca', 'ca.pem']);
    expect(args).toMatchObject({ mirrorUrl: 'https://m/pfx', platforms: { kind: 'all' }, pin: true, concurrency: 16, dryRun: true, filePath: 'f.txt', caPath: 'ca.pem' });
    expect(parsePrewarmArgs(['--help'])).toBe('help');
  });

  it.each([
    [['a'], '--mirror URL is required'],
    [['--mirror', 'mirror:5000', 'a'], '--mirror: expected http:// or https://'],
    [['--mirror', 'not a url', 'a'], '--mirror: expected a URL'],
    [['--mirror', 'http://u:p@m', 'a'], 'credentials'],
    [['--mirror', 'http://m', '--insecure', '--ca', 'x', 'a'], '--insecure and --ca exclude each other'],
    [['--mirror', 'http://m', '--all-platforms', '--platform', 'linux/amd64', 'a'], '--platform and --all-platforms exclude each other'],
    [['--mirror', 'http://m', '--platform', 'linux/amd64/v8/x', 'a'], '--platform: expected os/arch'],
    [['--mirror', 'http://m', '--concurrency', '1.5', 'a'], '--concurrency: expected a whole number from 1 to 64'],
    [['--mirror', 'http://m', '--concurrency', '65', 'a'], '--concurrency'],
    [['--mirror', 'http://m', 'UPPER/case'], 'invalid image reference "UPPER/case"'],
    [['--mirror', 'http://m', 'a@sha256:short'], 'invalid image reference'],
  ])('refuses %j', (argv, message) => {
    expect(() => parsePrewarmArgs(argv)).toThrow(PrewarmUsageError);
    expect(() => parsePrewarmArgs(argv)).toThrow(message);
  });

  it('leaves unknown flags to node:util (ERR_PARSE_ARGS_UNKNOWN_OPTION)', () => {
    expect(() => parsePrewarmArgs(['--mirror', 'http://m', '--nope'])).toThrow(expect.objectContaining({ code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }));
  });
});
