// The `lading` command line as a user meets it: usage, argument errors (exit 2, one
// `lading: <message>` line, no stack trace), configuration errors naming the key, and
// --print-config never showing a password. Runs dist/cli/main.js (`npm run build` first).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/run-cli.js';

const STACK_FRAME = /^\s+at /m;

describe('lading command line', () => {
  // An empty working directory: a mirror.config.json in the repository must not be picked up.
  let cwd: string;

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'lading-cli-args-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('lading --help prints the usage with its commands and exits 0', async () => {
    const run = await runCli(['--help'], { cwd });

    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: lading <command> \[options\]\n/);
    expect(run.stdout).toMatch(/^\s+serve\s/m);
  });

  it('lading serve --help prints the serve usage with its flags and exits 0', async () => {
    const run = await runCli(['serve', '--help'], { cwd });

    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(run.stdout).toMatch(/^Usage: lading serve /);
    for (const flag of ['--config', '--listen', '--data', '--upstream', '--print-config']) expect(run.stdout).toContain(flag);
  });

  it('an unknown command exits 2 naming it', async () => {
    const run = await runCli(['frobnicate'], { cwd });

    expect(run).toMatchObject({ code: 2, signal: null, stdout: '' });
    expect(run.stderr).toMatch(/^lading: unknown command "frobnicate"\n/);
  });

  it.each([
    { args: ['serve', '--bogus'], names: '--bogus' },
    { args: ['--bogus'], names: '--bogus' },
    { args: ['serve', '--listen'], names: '--listen' },
    { args: ['serve', 'extra'], names: 'extra' },
  ])('lading $args exits 2 with one "lading: …" line naming $names, no stack trace', async ({ args, names }) => {
    const run = await runCli(args, { cwd });

    expect(run).toMatchObject({ code: 2, signal: null, stdout: '' });
    const [first = ''] = run.stderr.split('\n');
    expect(first).toMatch(/^lading: /);
    expect(first).toContain(names);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('--listen nonsense exits 2 and the message names the listen key', async () => {
    const run = await runCli(['serve', '--listen', 'nonsense', '--data', join(cwd, 'data')], { cwd });

    expect(run).toMatchObject({ code: 2, signal: null, stdout: '' });
    expect(run.stderr).toMatch(/^lading: invalid configuration: listen: expected "host:port".*got "nonsense" \(from --listen\)\n$/);
  });

  it('an unknown key in a --config file exits 2 naming the key path and the file', async () => {
    const file = join(cwd, 'unknown-key.json');
    await writeFile(file, JSON.stringify({ upstreams: [{ name: 'docker.io', url: 'http://127.0.0.1:9', tagTTL: '5m' }] }));

    const run = await runCli(['serve', '--config', file], { cwd });

    expect(run).toMatchObject({ code: 2, signal: null, stdout: '' });
    expect(run.stderr).toMatch(/^lading: invalid configuration: upstreams\[0\]\.tagTTL: unknown key /);
    expect(run.stderr).toContain(file);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('a pin naming a registry lading does not mirror exits 2 naming the pin, with no stack trace', async () => {
    const file = join(cwd, 'bad-pin.json');
    const dataDir = join(cwd, 'bad-pin-data');
    await writeFile(file, JSON.stringify({ listen: '127.0.0.1:0', dataDir, upstreams: [{ name: 'docker.io', url: 'http://127.0.0.1:9' }], pins: ['quay.io/org/app:1'] }));

    const run = await runCli(['serve', '--config', file], { cwd });

    // Pins resolve once the cache is open, so its start may already have logged a line.
    expect(run).toMatchObject({ code: 2, signal: null });
    expect(run.stdout).not.toContain('listening on');
    expect(run.stderr).toMatch(/^lading: invalid configuration: pins\[0\]: quay\.io\/org\/app:1: lading mirrors no registry "quay\.io"/);
    expect(run.stderr).not.toMatch(STACK_FRAME);
  });

  it('--print-config prints the effective config as JSON without an upstream password read from env', async () => {
    const secret = 'hunter2-print-config-secret';
    const file = join(cwd, 'credentials.json');
    await writeFile(
      file,
      JSON.stringify({ upstreams: [{ name: 'docker.io', url: 'http://127.0.0.1:9', username: 'bob', passwordEnv: 'TEST_HUB_PASSWORD' }] }),
    );

    const run = await runCli(['serve', '--config', file, '--print-config'], { cwd, env: { TEST_HUB_PASSWORD: secret } });

    expect(run).toMatchObject({ code: 0, signal: null, stderr: '' });
    expect(run.stdout).not.toContain(secret);
    const printed = JSON.parse(run.stdout) as { upstreams: Record<string, unknown>[]; dataDir: string };
    expect(printed.upstreams[0]).toMatchObject({
      name: 'docker.io',
      url: 'http://127.0.0.1:9',
      username: 'bob',
      password: '<redacted from env:TEST_HUB_PASSWORD>',
    });
    expect(printed.dataDir).toBe(join(cwd, 'data'));
  });
});
