import { createHash } from 'node:crypto';

/** Hex sha256 and byte count of a stream (Node or web), read chunk by chunk without buffering. */
export async function sha256OfStream(
  stream: AsyncIterable<Uint8Array | string> | ReadableStream<Uint8Array>,
): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Uint8Array | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    hash.update(buf);
    bytes += buf.byteLength;
  }
  return { sha256: hash.digest('hex'), bytes };
}
