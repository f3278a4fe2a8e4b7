import { type Body, isInMemoryBody, StorageError, toBuffer, toReadable } from '@stowage/core';
import { pullReadable } from '@stowage/kit';
import { fileTypeFromBuffer } from 'file-type';
import { imageSize } from 'image-size';

/** Bytes read ahead to judge a body: what magic-byte detection and image headers need. */
export const SNIFF_BYTES = 64 * 1024;

export interface Sniffed {
  /** Detected from magic bytes, or undefined when the bytes match no known format. */
  type: { mime: string; ext: string } | undefined;
  /** Width and height when the head holds an image header. */
  image: { width: number; height: number } | undefined;
  /** The whole body again: the bytes read ahead first, then the rest, never buffered beyond them. */
  body: Body;
  /** Known only for in-memory bodies. */
  size: number | undefined;
}

/**
 * Reads the first bytes of a body (at most `SNIFF_BYTES`) to learn what it really is — the
 * format from its magic bytes, and an image's dimensions from its header, without decoding —
 * and hands back a body that still starts at byte 0. A stream is not buffered past its head.
 */
export async function sniff(body: Body): Promise<Sniffed> {
  if (isInMemoryBody(body)) {
    const bytes = toBuffer(body);
    return { ...(await judge(bytes.subarray(0, SNIFF_BYTES))), body: bytes, size: bytes.length };
  }
  const source = toReadable(body);
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : Buffer.from(next.value);
    head.push(chunk);
    have += chunk.length;
  }
  const headBytes = Buffer.concat(head, have);
  const verdict = await judge(headBytes.subarray(0, SNIFF_BYTES));
  if (ended) return { ...verdict, body: headBytes, size: headBytes.length };
  let replayed = false;
  // Pull-based: destroying it (a refused or aborted upload) destroys the caller's stream at once.
  const rest = pullReadable(
    async () => {
      if (!replayed) {
        replayed = true;
        return headBytes;
      }
      const next = await iterator.next();
      return next.done ? null : next.value;
    },
    (error) => {
      if (!source.destroyed) source.destroy(error ?? undefined);
    },
  );
  return { ...verdict, body: rest, size: undefined };
}

async function judge(head: Buffer): Promise<Pick<Sniffed, 'type' | 'image'>> {
  const detected = head.length === 0 ? undefined : await fileTypeFromBuffer(head);
  let image: Sniffed['image'];
  if (detected?.mime.startsWith('image/') === true || looksLikeSvg(head)) {
    try {
      const size = imageSize(head);
      if (size.width !== undefined && size.height !== undefined)
        image = { width: size.width, height: size.height };
    } catch {
      // A truncated or unusual header: no dimensions, and the caller decides whether that is fine.
    }
  }
  return { type: detected === undefined ? undefined : { mime: detected.mime, ext: detected.ext }, image };
}

function looksLikeSvg(head: Buffer): boolean {
  return /<svg[\s>]/i.test(head.subarray(0, 1024).toString('utf8'));
}

/** @throws PayloadTooLarge */
export function tooLarge(size: number, max: number, key?: string): StorageError {
  return new StorageError('PayloadTooLarge', `The body is ${size}+ bytes; the limit is ${max}`, {
    operation: 'upload',
    ...(key === undefined ? {} : { key }),
  });
}
