/**
 * Percent-encodes a key for a URL path segment by segment, keeping "/" separators. Everything
 * outside RFC 3986's unreserved set is encoded (also `! ' ( ) *`), so `decodeURIComponent`
 * of each segment gives the key's segment back. (Same rule as @stowage/cdn; adapters depend
 * on core only, so it is repeated here.)
 */
export function encodeKeyPath(key: string): string {
  return key
    .split('/')
    .map((segment) =>
      encodeURIComponent(segment).replace(
        /[!'()*]/g,
        (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
      ),
    )
    .join('/');
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
