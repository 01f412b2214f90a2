import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockForMaintenance, MaintenanceRefusedError } from '../../../src/maintenance/maintenance-lock.js';
import { STORE_FORMAT, StoreLayout } from '../../../src/store/layout.js';

describe('lockForMaintenance', () => {
  let layout: StoreLayout;
  beforeEach(async () => {
    layout = new StoreLayout(await mkdtemp(path.join(os.tmpdir(), 'lading-maintenance-lock-')));
    await writeFile(layout.formatFile, `${STORE_FORMAT}\n`);
  });
  afterEach(async () => rm(layout.root, { recursive: true, force: true }));

  it('holds the lock while working and releases it', async () => {
    const release = await lockForMaintenance(layout);
    expect(await readFile(layout.lockFile, 'utf8')).toBe(`${process.pid}\n`);
    await release();
    expect(existsSync(layout.lockFile)).toBe(false);
  });

  it('refuses while a live process holds the lock, naming it, and leaves the lock alone', async () => {
    // This process is alive, and as a server started in-process it must not be taken over.
    await writeFile(layout.lockFile, `${process.pid}\n`);
    const refusal = lockForMaintenance(layout);
    await expect(refusal).rejects.toBeInstanceOf(MaintenanceRefusedError);
    await expect(refusal).rejects.toMatchObject({
      reason: 'in-use',
      ownerPid: process.pid,
      message: `data directory ${layout.root} is in use by process ${process.pid}; stop it first`,
    });
    expect(await readFile(layout.lockFile, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('takes over a lock left by a process that no longer runs (kill -9)', async () => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    await once(child, 'exit');
    await writeFile(layout.lockFile, `${child.pid}\n`);
    const release = await lockForMaintenance(layout);
    expect(await readFile(layout.lockFile, 'utf8')).toBe(`${process.pid}\n`);
    await release();
  });

  it('never creates a data directory, and refuses one lading did not write or of another format', async () => {
    const missing = new StoreLayout(path.join(layout.root, 'missing'));
    await expect(lockForMaintenance(missing)).rejects.toMatchObject({ reason: 'not-a-data-dir', message: expect.stringContaining('does not exist') });
    expect(existsSync(missing.root)).toBe(false);

    await rm(layout.formatFile);
    await expect(lockForMaintenance(layout)).rejects.toMatchObject({ reason: 'not-a-data-dir' });
    expect(existsSync(layout.formatFile)).toBe(false);

    await writeFile(layout.formatFile, 'lading-store 99\n');
    await expect(lockForMaintenance(layout)).rejects.toMatchObject({ reason: 'format' });
    expect(existsSync(layout.lockFile)).toBe(false);
  });
});
