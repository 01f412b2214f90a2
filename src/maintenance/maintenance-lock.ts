import { promises as fs } from 'node:fs';
import { acquireDataDirLock, lockOwner } from '../store/data-dir-lock.js';
import type { StoreLayout } from '../store/layout.js';
import { StoreError } from '../store/store-error.js';

/** Why an offline tool (verify, gc) cannot work on a data directory. */
export class MaintenanceRefusedError extends Error {
  constructor(
    readonly reason: 'in-use' | 'not-a-data-dir' | 'format',
    message: string,
    readonly ownerPid?: number,
  ) {
    super(message);
    this.name = 'MaintenanceRefusedError';
  }
}

/**
 * Takes a data directory for offline work: refuses while a live server holds it, and holds its
 * lock until the returned release runs, so no server can start meanwhile. Never creates a data
 * directory: gc deletes files, and a mistyped `--data` must not make it clean up a stranger's
 * `tmp/` (the `format` file marks a directory lading wrote).
 */
export async function lockForMaintenance(layout: StoreLayout): Promise<() => Promise<void>> {
  // Checked before acquireDataDirLock, which takes over a lock holding its own pid (a server
  // started in this very process, as tests do).
  const owner = await lockOwner(layout);
  if (owner !== undefined) throw inUse(layout, owner);
  if (!(await isFile(layout.formatFile))) {
    if (!(await fs.stat(layout.root).catch(() => undefined))) {
      throw new MaintenanceRefusedError('not-a-data-dir', `data directory ${layout.root} does not exist`);
    }
    throw new MaintenanceRefusedError('not-a-data-dir', `${layout.root} is not a lading data directory (no ${layout.formatFile})`);
  }
  try {
    return await acquireDataDirLock(layout);
  } catch (error) {
    if (!(error instanceof StoreError)) throw error;
    if (error.code === 'FORMAT') throw new MaintenanceRefusedError('format', error.message);
    if (error.code !== 'LOCKED') throw error;
    // A server started between the check and the lock.
    const startedOwner = await lockOwner(layout);
    throw startedOwner === undefined ? error : inUse(layout, startedOwner);
  }
}

function inUse(layout: StoreLayout, pid: number): MaintenanceRefusedError {
  return new MaintenanceRefusedError('in-use', `data directory ${layout.root} is in use by process ${pid}; stop it first`, pid);
}

async function isFile(file: string): Promise<boolean> {
  return fs.stat(file).then(
    (stats) => stats.isFile(),
    () => false,
  );
}
