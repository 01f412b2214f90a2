import { setTimeout as delay } from 'node:timers/promises';
import { request } from 'undici';
import type { TrackedProcess } from './tracked-process.js';

const POLL_INTERVAL_MS = 5;

/**
 * Resolves with the milliseconds (since `sinceMs`, a performance.now() value) at which `url`
 * first answered `status`; rejects when the process exits or the timeout passes. Polling is
 * the only readiness signal docker-registry and nginx give.
 */
export async function waitForHttp(
  url: string,
  options: { process: TrackedProcess; timeoutMs: number; status?: number; sinceMs?: number },
): Promise<number> {
  const started = options.sinceMs ?? performance.now();
  const deadline = performance.now() + options.timeoutMs;
  let lastError: unknown;
  while (performance.now() < deadline) {
    const child = options.process.child;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${options.process.name} exited before answering ${url}:\n${options.process.output()}`);
    }
    try {
      const response = await request(url, { headersTimeout: 2_000, bodyTimeout: 2_000 });
      await response.body.dump();
      if (response.statusCode === (options.status ?? 200)) return performance.now() - started;
      lastError = new Error(`answered ${response.statusCode}`);
    } catch (error) {
      lastError = error; // ECONNREFUSED until it binds
    }
    await delay(POLL_INTERVAL_MS);
  }
  throw new Error(`${options.process.name}: ${url} not ready within ${options.timeoutMs} ms (${String(lastError)}):\n${options.process.output()}`);
}
