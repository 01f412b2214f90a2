import type { ServerResponse } from 'node:http';
import type { Fault } from './faults.js';
import type { FakeResponse } from './fake-response.js';

/** Body faults taken for one response (at most one of each kind). */
export interface BodyShaping {
  corrupt?: Extract<Fault, { kind: 'corrupt' }>;
  cut?: Extract<Fault, { kind: 'cut' }>;
  pause?: Extract<Fault, { kind: 'pause' }>;
  throttle?: Extract<Fault, { kind: 'throttle' }>;
}

const CHUNK_BYTES = 64 * 1024;
const THROTTLE_TICK_MS = 50;

/**
 * Writes headers (always with the full Content-Length, even when the body will be cut) and,
 * unless `headOnly`, the body shaped by the faults. `onBodyBytes` counts bytes handed to the
 * socket. Returns when the response ended, was cut, or the client went away.
 */
export async function writeResponse(
  res: ServerResponse,
  response: FakeResponse,
  options: { headOnly: boolean; shaping: BodyShaping; onBodyBytes: (count: number) => void },
): Promise<void> {
  const body = response.body ?? new Uint8Array(0);
  const contentLength = response.contentLength ?? body.length;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(contentLength) });
  if (options.headOnly || body.length === 0) {
    res.end();
    return;
  }
  const closed = closedPromise(res);
  const { shaping } = options;
  let bytes = body;
  if (shaping.corrupt !== undefined && shaping.corrupt.atByte < bytes.length) {
    bytes = Uint8Array.from(bytes);
    bytes[shaping.corrupt.atByte] = (bytes[shaping.corrupt.atByte] ?? 0) ^ 0xff;
  }
  const pauseAt = shaping.pause === undefined ? undefined : Math.min(shaping.pause.afterBytes, bytes.length);
  const cutAt = shaping.cut !== undefined && shaping.cut.afterBytes < bytes.length ? shaping.cut.afterBytes : undefined;

  const writeSpan = async (from: number, to: number): Promise<boolean> => {
    const rate = shaping.throttle?.bytesPerSecond;
    const step = rate === undefined ? CHUNK_BYTES : Math.max(1, Math.floor((rate * THROTTLE_TICK_MS) / 1000));
    for (let offset = from; offset < to; offset += step) {
      const chunk = bytes.subarray(offset, Math.min(to, offset + step));
      options.onBodyBytes(chunk.length);
      if (!(await writeChunk(res, chunk, closed))) return false;
      if (rate !== undefined && offset + step < to && !(await delayUnlessClosed(THROTTLE_TICK_MS, closed))) return false;
    }
    return true;
  };

  let offset = 0;
  if (pauseAt !== undefined && (cutAt === undefined || pauseAt <= cutAt)) {
    if (!(await writeSpan(0, pauseAt))) return;
    offset = pauseAt;
    await flushHeaders(res, closed);
    const gateOpened = await Promise.race([shaping.pause!.gate.then(() => true), closed.then(() => false)]);
    if (!gateOpened) return;
  }
  if (cutAt !== undefined) {
    if (!(await writeSpan(offset, cutAt))) return;
    await flushHeaders(res, closed);
    // Destroy the socket so the client sees a short body, never a clean end (STYLE.md habit 6).
    res.destroy();
    return;
  }
  if (!(await writeSpan(offset, bytes.length))) return;
  res.end();
}

export function closedPromise(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    if (res.destroyed) resolve();
    else res.once('close', () => resolve());
  });
}

/** Resolves true once the chunk reached the socket, false if the connection closed first. */
function writeChunk(res: ServerResponse, chunk: Uint8Array, closed: Promise<void>): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  const written = new Promise<boolean>((resolve) => {
    res.write(chunk, (error) => resolve(error == null));
  });
  return Promise.race([written, closed.then(() => false)]);
}

/** Makes sure headers left the process even when zero body bytes were written. */
async function flushHeaders(res: ServerResponse, closed: Promise<void>): Promise<void> {
  if (res.destroyed) return;
  res.flushHeaders();
  const socket = res.socket;
  if (socket === null || socket.destroyed) return;
  await Promise.race([new Promise<void>((resolve) => socket.write('', () => resolve())), closed]);
}

export function delayUnlessClosed(ms: number, closed: Promise<void>): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(true), ms);
    void closed.then(() => {
      clearTimeout(timer);
      resolve(false);
    });
  });
}
