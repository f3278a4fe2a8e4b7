import type { Readable } from 'node:stream';

/** One part's bytes, and how to hand its memory back once its UploadPart has settled. */
export interface Part {
  number: number;
  data: Buffer;
  release(): void;
}

/** The parts of an in-memory body: views of it, nothing copied. */
export async function* bufferParts(body: Buffer, partSize: number): AsyncGenerator<Part> {
  let number = 1;
  for (let offset = 0; offset < body.length || number === 1; offset += partSize) {
    yield { number: number++, data: body.subarray(offset, offset + partSize), release() {} };
  }
}

/**
 * The parts of a stream, copied into at most `buffers` part-sized buffers that are reused:
 * a part's buffer goes back to the pool when its upload settles, and reading waits for a
 * free one. Memory stays at `buffers × partSize` however long the stream is, where a fresh
 * buffer per part (what lib-storage does) leaves the dead ones to the garbage collector's
 * pace: +117–144 MiB of RSS on a 1 GiB upload instead of about 32 MiB.
 */
export async function* streamParts(body: Readable, partSize: number, buffers: number): AsyncGenerator<Part> {
  const free: Buffer[] = [];
  let allocated = 0;
  let waiting: (() => void) | undefined;
  const take = async (): Promise<Buffer> => {
    for (;;) {
      const buf = free.pop();
      if (buf !== undefined) return buf;
      if (allocated < buffers) {
        allocated++;
        return Buffer.allocUnsafeSlow(partSize);
      }
      await new Promise<void>((resolve) => {
        waiting = resolve;
      });
    }
  };
  const giveBack = (buf: Buffer) => {
    free.push(buf);
    const wake = waiting;
    waiting = undefined;
    wake?.();
  };
  const part = (number: number, buf: Buffer, length: number): Part => {
    let released = false;
    return {
      number,
      data: buf.subarray(0, length),
      release() {
        if (released) return;
        released = true;
        giveBack(buf);
      },
    };
  };

  let number = 1;
  let current = await take();
  let filled = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(partSize - filled, chunk.length - offset);
      chunk.copy(current, filled, offset, offset + n);
      filled += n;
      offset += n;
      if (filled === partSize) {
        yield part(number++, current, filled);
        current = await take();
        filled = 0;
      }
    }
  }
  if (filled > 0 || number === 1) yield part(number, current, filled);
  else giveBack(current);
}
