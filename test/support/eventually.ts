import { setTimeout as delay } from 'node:timers/promises';

/** Polls a condition with a deadline (for effects with no event to wait on, e.g. a temp file going away). */
export async function eventually(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(10);
  }
}
