import { Readable } from 'node:stream';

export interface DeterministicStreamOptions {
  /** Bytes per chunk pushed; default 64 KiB. */
  chunkSize?: number;
}

/**
 * Fills `out` with pseudo-random bytes (xorshift32) continuing from `state`; returns the
 * next state. Four bytes per step keeps generating 64 MiB well under a second.
 */
function fill(out: Buffer, state: number): number {
  let s = state;
  let i = 0;
  for (; i + 4 <= out.length; i += 4) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out.writeUInt32LE(s >>> 0, i);
  }
  for (; i < out.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 0xff;
  }
  return s;
}

/**
 * A Readable of `bytes` pseudo-random bytes derived from `seed`: the same seed always gives
 * the same bytes, whatever the chunk size. Only one chunk is held at a time, so a 64 MiB
 * body costs 64 KiB of memory.
 */
export function deterministicStream(
  bytes: number,
  seed = 1,
  options: DeterministicStreamOptions = {},
): Readable {
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new RangeError(`bytes must be a non-negative integer; got ${bytes}`);
  const chunkSize = options.chunkSize ?? 64 * 1024;
  // Chunks are generated in fixed 4-byte-aligned blocks so the byte sequence does not depend on chunkSize.
  const block = Math.max(4, chunkSize - (chunkSize % 4));
  let state = seed >>> 0 || 0x9e3779b9;
  let sent = 0;
  return new Readable({
    highWaterMark: block,
    read() {
      if (sent >= bytes) {
        this.push(null);
        return;
      }
      const n = Math.min(block, bytes - sent);
      const chunk = Buffer.allocUnsafe(n);
      state = fill(chunk, state);
      sent += n;
      this.push(chunk);
      if (sent >= bytes) this.push(null);
    },
  });
}

/** The same bytes as `deterministicStream(bytes, seed)`, in one Buffer (for small sizes). */
export function deterministicBytes(bytes: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(bytes);
  let state = seed >>> 0 || 0x9e3779b9;
  const block = 64 * 1024;
  for (let at = 0; at < bytes; at += block) {
    state = fill(out.subarray(at, Math.min(at + block, bytes)), state);
  }
  return out;
}
