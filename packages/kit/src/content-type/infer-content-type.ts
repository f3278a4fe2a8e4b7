import mime from 'mime';

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

/** How many leading bytes magic-byte sniffing needs. */
export const SNIFF_BYTES = 4100;

const TEXTUAL = /^(text\/|application\/(json|javascript|xml|x-ndjson)|image\/svg\+xml)/;

/** Content type from the key's extension alone, or undefined. */
export function contentTypeFromKey(key: string): string | undefined {
  const type = mime.getType(key);
  if (type === null) return undefined;
  return TEXTUAL.test(type) && !type.includes('charset') ? `${type}; charset=utf-8` : type;
}

/**
 * Infers a content type: magic bytes first when bytes are given (a ".png" holding a JPEG is
 * a JPEG), then the key's extension, then `application/octet-stream`.
 */
export async function inferContentType(key: string, head?: Uint8Array): Promise<string> {
  if (head !== undefined && head.byteLength > 0) {
    // Loaded on first use: most puts carry a type or an extension, and file-type is heavy.
    const { fileTypeFromBuffer } = await import('file-type');
    const sniffed = await fileTypeFromBuffer(head.subarray(0, SNIFF_BYTES));
    if (sniffed !== undefined) return sniffed.mime;
  }
  return contentTypeFromKey(key) ?? DEFAULT_CONTENT_TYPE;
}
