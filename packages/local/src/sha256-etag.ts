/** A lower-case hex sha256, as reported in `ObjectInfo.sha256`. */
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/**
 * The local store's etag: the quoted first 128 bits of the body's sha256. Etags are opaque
 * to callers; what matters is that equal bytes get equal etags on this backend and
 * different bytes different ones, and that it can be recomputed from the bytes alone (so a
 * lost sidecar never changes an object's etag). One hash per write instead of md5 + sha256.
 */
export function etagFromSha256(sha256: string): string {
  return `"${sha256.slice(0, 32)}"`;
}
