import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

const CHUNK = 1024 * 1024;

/** md5 and sha256 of the first `size` bytes of an open file (positional reads; the fd offset is untouched). */
export async function hashFile(fh: FileHandle, size: number): Promise<{ md5: string; sha256: string }> {
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const buf = Buffer.allocUnsafe(Math.min(CHUNK, Math.max(size, 1)));
  let position = 0;
  while (position < size) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - position), position);
    if (bytesRead === 0) break;
    const chunk = buf.subarray(0, bytesRead);
    md5.update(chunk);
    sha.update(chunk);
    position += bytesRead;
  }
  return { md5: md5.digest('hex'), sha256: sha.digest('hex') };
}
