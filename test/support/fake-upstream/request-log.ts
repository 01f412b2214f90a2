import { matchesTarget, type FaultMatch, type ServerName } from './faults.js';

export interface LoggedRequest {
  server: ServerName;
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: Record<string, string | string[] | undefined>;
  /** 0 when the socket closed before any response headers were sent (hang, client abort). */
  status: number;
  bodyBytesSent: number;
}

export type LogMatch = FaultMatch & { status?: number };

export interface RequestLog {
  readonly entries: readonly LoggedRequest[];
  count(match?: LogMatch): number;
  /** Resolves once `count` matching entries exist; rejects after `timeoutMs`. Use instead of sleeping. */
  waitFor(match: LogMatch, count: number, timeoutMs: number): Promise<void>;
  clear(): void;
}

interface Waiter {
  match: LogMatch;
  count: number;
  resolve: () => void;
}

export function matchesLogEntry(match: LogMatch, entry: LoggedRequest): boolean {
  if (match.status !== undefined && match.status !== entry.status) return false;
  return matchesTarget(match, entry);
}

/** Entries are appended when a response finishes or is aborted, so `bodyBytesSent` is final. */
export class MemoryRequestLog implements RequestLog {
  #entries: LoggedRequest[] = [];
  #waiters = new Set<Waiter>();

  get entries(): readonly LoggedRequest[] {
    return this.#entries;
  }

  count(match: LogMatch = {}): number {
    return this.#entries.filter((entry) => matchesLogEntry(match, entry)).length;
  }

  clear(): void {
    this.#entries = [];
  }

  record(entry: LoggedRequest): void {
    this.#entries.push(entry);
    for (const waiter of this.#waiters) {
      if (this.count(waiter.match) >= waiter.count) {
        this.#waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  waitFor(match: LogMatch, count: number, timeoutMs: number): Promise<void> {
    if (this.count(match) >= count) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `request log: waited ${timeoutMs} ms for ${count} request(s) matching ${describe(match)}, ` +
              `saw ${this.count(match)}; log: ${this.#entries.map((e) => `${e.server} ${e.method} ${e.path} ${e.status}`).join(' | ')}`,
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        match,
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      this.#waiters.add(waiter);
    });
  }
}

function describe(match: LogMatch): string {
  const parts = Object.entries(match).map(([key, value]) => `${key}=${String(value)}`);
  return parts.length === 0 ? '{}' : `{${parts.join(', ')}}`;
}
