import { promises as fs } from 'node:fs';
import { StoreError } from './store-error.js';
import { STORE_FORMAT, type StoreLayout } from './layout.js';

/**
 * One process owns a data directory. The lock file holds the owner's pid; a lock left by a
 * process that no longer runs (kill -9, power loss) is taken over.
 */
export async function acquireDataDirLock(layout: StoreLayout): Promise<() => Promise<void>> {
  await fs.mkdir(layout.root, { recursive: true });
  await checkFormat(layout);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await fs.open(layout.lockFile, 'wx');
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return async () => {
        await fs.rm(layout.lockFile, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const ownerPid = await readOwnerPid(layout.lockFile);
      if (ownerPid !== undefined && ownerPid !== process.pid && isRunning(ownerPid)) {
        throw new StoreError(
          'LOCKED',
          `data directory ${layout.root} is in use by process ${ownerPid} (lock file ${layout.lockFile})`,
        );
      }
      await fs.rm(layout.lockFile, { force: true });
    }
  }
  throw new StoreError('LOCKED', `could not take the lock ${layout.lockFile}`);
}

/** Throws while another live process holds the lock (for offline tools such as gc/verify). */
export async function lockOwner(layout: StoreLayout): Promise<number | undefined> {
  const pid = await readOwnerPid(layout.lockFile);
  return pid !== undefined && isRunning(pid) ? pid : undefined;
}

async function checkFormat(layout: StoreLayout): Promise<void> {
  let existing: string | undefined;
  try {
    existing = (await fs.readFile(layout.formatFile, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (existing === undefined) {
    await fs.writeFile(layout.formatFile, `${STORE_FORMAT}\n`);
  } else if (existing !== STORE_FORMAT) {
    throw new StoreError(
      'FORMAT',
      `data directory ${layout.root} has format "${existing}", this lading reads "${STORE_FORMAT}"`,
    );
  }
}

async function readOwnerPid(lockFile: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await fs.readFile(lockFile, 'utf8'), 10);
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
