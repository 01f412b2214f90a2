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

/**
 * CPU seconds (user + system, all threads) `pid` has used so far, plus its direct children's
 * when `withChildren` (nginx's workers). CPU per byte served is steadier than MB/s on a
 * machine that other work shares.
 */
export async function cpuSeconds(pid: number, withChildren = false): Promise<number> {
  const ticksPerSec = 100; // USER_HZ, 100 on every Linux architecture Node supports
  const own = async (id: number): Promise<number> => {
    const stat = await readFile(`/proc/${id}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSec;
  };
  let total = await own(pid);
  if (withChildren) {
    const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    for (const child of children) total += await own(Number(child)).catch(() => 0);
  }
  return total;
}
