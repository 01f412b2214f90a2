import { createReadStream } from 'node:fs';
import { createDigester, type Digest, type DigestAlgorithm } from '../oci/digest.js';

const READ_CHUNK_BYTES = 1024 * 1024;

/** The digest of a file's content, streamed: memory stays at one chunk whatever the file's size. */
export async function digestOfFile(file: string, algorithm: DigestAlgorithm): Promise<{ digest: Digest; sizeBytes: number }> {
  const hash = createDigester(algorithm);
  let sizeBytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    sizeBytes += bytes.byteLength;
  }
  return { digest: `${algorithm}:${hash.digest('hex')}` as Digest, sizeBytes };
}
