import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { moveToQuarantine, quarantineDir } from '../../../src/maintenance/quarantine.js';
import { StoreLayout } from '../../../src/store/layout.js';

describe('moveToQuarantine', () => {
  let layout: StoreLayout;
  beforeEach(async () => {
    layout = new StoreLayout(await mkdtemp(path.join(os.tmpdir(), 'lading-quarantine-')));
  });
  afterEach(async () => rm(layout.root, { recursive: true, force: true }));

  it('moves the file into DIR/quarantine/ and never replaces earlier evidence', async () => {
    const first = path.join(layout.root, 'first');
    const second = path.join(layout.root, 'second');
    await writeFile(first, 'one');
    await writeFile(second, 'two');

    const firstTarget = await moveToQuarantine(layout, first, 'sha256-abc');
    const secondTarget = await moveToQuarantine(layout, second, 'sha256-abc');

    expect(quarantineDir(layout)).toBe(path.join(layout.root, 'quarantine'));
    expect(firstTarget).toBe(path.join(layout.root, 'quarantine', 'sha256-abc'));
    expect(secondTarget).toBe(path.join(layout.root, 'quarantine', 'sha256-abc.1'));
    expect(await readFile(firstTarget, 'utf8')).toBe('one');
    expect(await readFile(secondTarget, 'utf8')).toBe('two');
    expect(existsSync(first) || existsSync(second)).toBe(false);
    expect((await readdir(quarantineDir(layout))).sort()).toEqual(['sha256-abc', 'sha256-abc.1']);
  });
});
