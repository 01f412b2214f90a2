import type { Readable } from 'node:stream';

/** Reads a small body whole, refusing more than `maxBytes` (manifests, tokens, error bodies). */
export async function readCapped(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.byteLength;
    if (total > maxBytes) {
      body.destroy();
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`response body is larger than ${maxBytes} bytes`);
    this.name = 'BodyTooLargeError';
  }
}
