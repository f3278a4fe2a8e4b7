// Deterministic object contents for the crash test: the bytes of (key, version) are an
// AES-CTR keystream behind a header naming them, so a checker can regenerate exactly what
// a complete write of that version holds from the object's own first bytes.
import { createCipheriv, createHash } from 'node:crypto';

const MiB = 1024 * 1024;

export function contentSize(key, version) {
  const h = createHash('sha256').update(`${key}|${version}|size`).digest();
  // Keys ending in ".small" stay below the store's sidecar-free size; the rest are large.
  if (key.endsWith('.small')) return 256 + (h.readUInt32BE(0) % (48 * 1024)); // 256 B–48 KiB
  return 4 * MiB + (h.readUInt32BE(0) % (4 * MiB)); // 4–8 MiB
}

export function contentOf(key, version) {
  const size = contentSize(key, version);
  const seed = createHash('sha256').update(`${key}|${version}`).digest();
  const cipher = createCipheriv('aes-128-ctr', seed.subarray(0, 16), seed.subarray(16, 32));
  const bytes = cipher.update(Buffer.alloc(size));
  const header = Buffer.from(`${JSON.stringify({ key, version })}\n`);
  header.copy(bytes, 0);
  return bytes;
}

/** The (key, version) a body claims in its header, or undefined. */
export function headerOf(bytes) {
  const end = bytes.indexOf(10);
  if (end < 0 || end > 200) return undefined;
  try {
    return JSON.parse(bytes.subarray(0, end).toString('utf8'));
  } catch {
    return undefined;
  }
}
