import { readFile, writeFile } from 'node:fs/promises';

/**
 * Resets the kernel's peak-RSS mark of `pid` (writing 5 to clear_refs, Linux ≥ 4.0), so a later
 * peakRssBytes() covers only what ran in between. Returns false when not permitted.
 */
export async function resetPeakRss(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** VmHWM of `pid`: its peak resident set size since start or the last resetPeakRss(). */
export async function peakRssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`/proc/${pid}/status has no VmHWM`);
  return Number(match[1]) * 1024;
}
