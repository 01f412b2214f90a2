import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Removes a file or a directory tree; returns the bytes its files held (0 when already gone). */
export async function removeTree(target: string): Promise<number> {
  const sizeBytes = await bytesIn(target);
  await fs.rm(target, { recursive: true, force: true });
  return sizeBytes;
}

async function bytesIn(target: string): Promise<number> {
  const stats = await fs.lstat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (!stats) return 0;
  if (!stats.isDirectory()) return stats.size;
  let total = 0;
  for (const name of await fs.readdir(target)) total += await bytesIn(path.join(target, name));
  return total;
}
