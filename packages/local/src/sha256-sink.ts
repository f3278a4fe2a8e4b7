import { createHash } from 'node:crypto';
import { type OffloadedSha256, startOffloadedSha256 } from './sha256-worker.js';

/**
 * Bodies up to this size are hashed on the calling thread once they are complete: that
 * takes well under a millisecond, less than a round trip to the worker.
 */
export const INLINE_HASH_LIMIT = 256 * 1024;

/**
 * The sha256 of a body fed in chunks. Small bodies are hashed inline at the end; once more
 * than `INLINE_HASH_LIMIT` bytes arrive, hashing moves to a worker thread, so it runs
 * alongside the file writes instead of between them. Chunks are not copied until then and
 * must not be modified by their owner while the write is in progress.
 */
export class Sha256Sink {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private offload: OffloadedSha256 | undefined;

  /** Returns a promise when the caller should wait before feeding more (hashing fell behind). */
  update(chunk: Uint8Array): Promise<void> | undefined {
    if (this.offload === undefined) {
      if (this.heldBytes + chunk.length <= INLINE_HASH_LIMIT) {
        this.held.push(chunk);
        this.heldBytes += chunk.length;
        return undefined;
      }
      this.offload = startOffloadedSha256();
      for (const held of this.held) this.offload.update(held);
      this.held = [];
    }
    return this.offload.update(chunk);
  }

  /** The hex digest of everything fed. */
  async digest(): Promise<string> {
    if (this.offload !== undefined) return this.offload.digest();
    const hash = createHash('sha256');
    for (const chunk of this.held) hash.update(chunk);
    this.held = [];
    return hash.digest('hex');
  }

  cancel(): void {
    this.offload?.cancel();
    this.held = [];
  }
}
