import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { StoreLayout } from '../store/layout.js';

/**
 * `<dataDir>/quarantine/`: blob files verify found wrong, kept as evidence (lading never deletes
 * them). Outside `blobs/`, so neither the server nor gc ever sees them.
 */
export function quarantineDir(layout: StoreLayout): string {
  return layout.quarantineDir;
}

/**
 * Moves `file` to `quarantine/<name>` (a rename: same file system, nothing copied), adding
 * `.1`, `.2`, … rather than replacing earlier evidence; check-then-rename is safe because the
 * caller holds the data directory's lock. Returns the new path.
 */
export async function moveToQuarantine(layout: StoreLayout, file: string, name: string): Promise<string> {
  const dir = quarantineDir(layout);
  await fs.mkdir(dir, { recursive: true });
  let target = path.join(dir, name);
  for (let attempt = 1; await exists(target); attempt++) target = path.join(dir, `${name}.${attempt}`);
  await fs.rename(file, target);
  return target;
}

async function exists(file: string): Promise<boolean> {
  return fs.lstat(file).then(
    () => true,
    () => false,
  );
}
