import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Last-access times persisted in batches (a timer and at shutdown), never per request: the
 * recency order survives a restart without a write on the hot path.
 */
export class AccessJournal {
  constructor(private readonly file: string) {}

  async read(): Promise<Record<string, number>> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.file, 'utf8')) as { lastAccess?: Record<string, number> };
      return parsed.lastAccess && typeof parsed.lastAccess === 'object' ? parsed.lastAccess : {};
    } catch {
      return {};
    }
  }

  async write(lastAccess: Record<string, number>): Promise<void> {
    const temp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.${randomBytes(4).toString('hex')}`);
    await fs.writeFile(temp, JSON.stringify({ lastAccess }));
    await fs.rename(temp, this.file);
  }
}
