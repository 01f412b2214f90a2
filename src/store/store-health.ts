import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../log/logger.js';
import { StoreError } from './store-error.js';

const PROBE_INTERVAL_MS = 15_000;
const PROBE_BYTES = 64 * 1024;

/**
 * Whether the data directory can take writes. A full disk (ENOSPC) or an unwritable directory
 * switches lading to streaming through without storing; a probe write retried on a timer
 * switches it back by itself when space returns.
 */
export class StoreHealth {
  private full = false;
  private timer: NodeJS.Timeout | undefined;
  private lastProbeMs = 0;

  constructor(
    private readonly tmpDir: string,
    private readonly logger: Logger,
  ) {}

  get diskFull(): boolean {
    return this.full;
  }

  /** Looks at a store failure; returns true when it means "cannot write" (and records it). */
  noteFailure(error: unknown): boolean {
    if (!(error instanceof StoreError) || (error.code !== 'ENOSPC' && error.code !== 'EACCES')) return false;
    if (!this.full) {
      this.full = true;
      this.logger.error('data directory cannot take writes; streaming through without caching', { reason: error.message });
      this.timer = setInterval(() => void this.probe(), PROBE_INTERVAL_MS);
      this.timer.unref();
    }
    return true;
  }

  /** While full, a request may ask for an early probe (at most one a second). */
  recheck(): void {
    if (!this.full || Date.now() - this.lastProbeMs < 1_000) return;
    void this.probe();
  }

  /** Tries a small write; on success the store is writable again. */
  async probe(): Promise<boolean> {
    this.lastProbeMs = Date.now();
    const file = path.join(this.tmpDir, `.probe-${randomBytes(4).toString('hex')}`);
    try {
      await fs.writeFile(file, Buffer.alloc(PROBE_BYTES));
      await fs.rm(file, { force: true });
    } catch {
      await fs.rm(file, { force: true }).catch(() => undefined);
      return false;
    }
    if (this.full) {
      this.full = false;
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
      this.logger.info('data directory writable again; caching resumed', {});
    }
    return true;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
