import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

/** sha256 (hex) of the first `size` bytes of an open file (positional reads; the fd offset is untouched). */
export async function hashFile(fh: FileHandle, size: number): Promise<string> {
  const sha = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let position = 0;
  while (position < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - position), position);
    if (bytesRead === 0) break;
    sha.update(buf.subarray(0, bytesRead));
    position += bytesRead;
  }
  return sha.digest('hex');
}
