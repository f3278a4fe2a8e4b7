/**
 * Percent-encodes a key for a URL path, segment by segment, keeping the "/" separators.
 * Everything outside RFC 3986's unreserved set is encoded (also `! ' ( ) *`, which
 * `encodeURIComponent` leaves alone), so the path matches what S3 signers and CDNs expect
 * and `decodeURIComponent` of each segment gives the key's segment back.
 */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(encodeSegment).join('/');
}

function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/**
 * The key of an encoded path, or undefined for malformed escapes and for an escaped "/"
 * (`%2F`), which would let two paths name one key.
 */
export function decodeKeyPath(path: string): string | undefined {
  try {
    const segments = path.split('/').map(decodeURIComponent);
    return segments.some((s) => s.includes('/')) ? undefined : segments.join('/');
  } catch {
    return undefined;
  }
}
