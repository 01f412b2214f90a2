// Minimal deterministic ustar writer: regular files only, mode 0644, uid/gid 0, mtime 0, so the
// same files always give the same bytes (and the same layer digest).

const BLOCK_BYTES = 512;

export function writeUstar(files: Record<string, string | Uint8Array>): Uint8Array {
  const names = Object.keys(files).sort();
  const blocks: Uint8Array[] = [];
  for (const name of names) {
    const value = files[name] ?? '';
    const content = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    blocks.push(fileHeader(name, content.length));
    blocks.push(content);
    const padding = (BLOCK_BYTES - (content.length % BLOCK_BYTES)) % BLOCK_BYTES;
    if (padding > 0) blocks.push(new Uint8Array(padding));
  }
  blocks.push(new Uint8Array(BLOCK_BYTES * 2)); // end-of-archive marker
  return Buffer.concat(blocks);
}

function fileHeader(name: string, sizeBytes: number): Uint8Array {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > 100) {
    throw new Error(`ustar: file name must be 1..100 bytes, got ${JSON.stringify(name)}`);
  }
  const header = Buffer.alloc(BLOCK_BYTES);
  nameBytes.copy(header, 0);
  header.write(octal(0o644, 8), 100, 'ascii'); // mode
  header.write(octal(0, 8), 108, 'ascii'); // uid
  header.write(octal(0, 8), 116, 'ascii'); // gid
  header.write(octal(sizeBytes, 12), 124, 'ascii');
  header.write(octal(0, 12), 136, 'ascii'); // mtime
  header.fill(0x20, 148, 156); // checksum field counts as spaces while summing
  header.write('0', 156, 'ascii'); // typeflag: regular file
  header.write('ustar\u000000', 257, 'ascii'); // magic "ustar\0" + version "00"
  let checksum = 0;
  for (const byte of header) checksum += byte;
  header.write(`${checksum.toString(8).padStart(6, '0')}\u0000 `, 148, 'ascii');
  return header;
}

/** Zero-padded octal with a trailing NUL, filling a field of `width` bytes. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new Error(`ustar: ${value} does not fit in ${width} bytes`);
  return `${digits.padStart(width - 1, '0')}\u0000`;
}
