import type { Socket } from 'node:net';
import type { Direction, FaultSettings } from './fault-settings.js';
import { sleep } from './timers.js';

/** What a pipe needs from its connection. */
export interface PipeHost {
  faults(): Readonly<FaultSettings>;
  /** Bytes handed to the destination socket. */
  forwarded(direction: Direction, bytes: number): void;
  /** Bytes read and thrown away by a blackhole. */
  swallowed(bytes: number): void;
  /** A byte budget ran out: true when the fault fired (the pipe stops), false when it was disarmed meanwhile. */
  fire(fault: 'cut' | 'reset', direction: Direction): boolean;
}

// Read no further ahead than this while latency or throttling holds bytes back (TCP backpressure does the rest).
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

/** Slices small enough that a throttled stream moves about 20 times a second. */
function sliceFor(bytesPerSec: number): number {
  return Math.max(1, Math.floor(bytesPerSec / 20));
}

/**
 * Forwards one direction of a connection (src → dst), applying latency, throttling and byte
 * budgets on the way; propagates a clean end (FIN) once everything queued has been written.
 */
export class Pipe {
  private readonly queue: Array<{ chunk: Buffer; at: number }> = [];
  private queued = 0;
  private running = false;
  private srcEnded = false;
  private stopped = false;
  private paceAt = 0;
  /** Bytes forwarded since the cut budget was (re)armed. */
  private cutBytes = 0;
  /** Bytes forwarded since the reset budget was (re)armed. */
  private resetBytes = 0;

  constructor(
    readonly direction: Direction,
    private readonly src: Socket,
    private readonly dst: Socket,
    private readonly host: PipeHost,
  ) {
    src.on('data', (chunk: Buffer) => this.onData(chunk));
    src.on('end', () => {
      this.srcEnded = true;
      this.kick();
    });
  }

  /** Bytes read but not yet forwarded (queued, or the rest of the chunk being forwarded). */
  get held(): number {
    return this.queued;
  }

  /** True while bytes are queued or being written. */
  get busy(): boolean {
    return this.running || this.queue.length > 0;
  }

  rearm(fault: 'cut' | 'reset'): void {
    if (fault === 'cut') this.cutBytes = 0;
    else this.resetBytes = 0;
  }

  /** Drops what is queued and everything that arrives later; keeps reading so the socket can close. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queued = 0;
    this.src.resume();
  }

  private onData(chunk: Buffer): void {
    if (this.stopped) return;
    if (this.host.faults().blackhole === true) {
      this.host.swallowed(chunk.length);
      return;
    }
    this.queue.push({ chunk, at: Date.now() });
    this.queued += chunk.length;
    if (this.queued >= HIGH_WATER) this.src.pause();
    this.kick();
  }

  private kick(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    void this.run();
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        if (this.stopped) return;
        const item = this.queue.shift();
        if (item === undefined) {
          if (this.srcEnded && !this.dst.writableEnded && !this.dst.destroyed) this.dst.end();
          return;
        }
        await this.forward(item.chunk, item.at);
      }
    } finally {
      // Synchronous with the empty-queue check above, so data arriving later always restarts the loop.
      this.running = false;
    }
  }

  private async forward(chunk: Buffer, arrivedAt: number): Promise<void> {
    const first = this.host.faults();
    if (first.latencyMs !== undefined && (first.latencyPer ?? 'chunk') === 'chunk') {
      const wait = arrivedAt + first.latencyMs - Date.now();
      if (wait > 0) await sleep(wait);
    }
    let rest = chunk;
    let stalls = 0;
    while (rest.length > 0) {
      if (this.stopped) return;
      const f = this.host.faults();
      if (f.blackhole === true) {
        this.host.swallowed(rest.length);
        this.release(rest.length);
        return;
      }
      const cutAt = f.cutAfterBytes?.[this.direction];
      const resetAt = f.resetAfterBytes?.[this.direction];
      let take = rest.length;
      if (cutAt !== undefined) take = Math.min(take, Math.max(0, cutAt - this.cutBytes));
      if (resetAt !== undefined) take = Math.min(take, Math.max(0, resetAt - this.resetBytes));
      const rate = f.bandwidthBytesPerSec;
      if (rate !== undefined && take > 0) {
        take = Math.min(take, sliceFor(rate));
        const wait = this.paceAt - Date.now();
        if (wait > 0) await sleep(wait);
        if (this.stopped) return;
        this.paceAt = Math.max(this.paceAt, Date.now()) + (take * 1000) / rate;
      }
      const resetsNow = resetAt !== undefined && this.resetBytes + take >= resetAt;
      if (take > 0) {
        const piece = rest.subarray(0, take);
        rest = rest.subarray(take);
        // Before a reset, wait until the bytes left the process, so the peer can see them before the RST.
        await this.write(piece, resetsNow);
        if (this.stopped) return;
      }
      if (resetsNow && this.host.fire('reset', this.direction)) return;
      if (cutAt !== undefined && this.cutBytes >= cutAt && this.host.fire('cut', this.direction)) return;
      // A budget that ran out without firing was disarmed meanwhile, so the next turn moves bytes;
      // should it not, stop rather than spin.
      stalls = take === 0 ? stalls + 1 : 0;
      if (stalls > 1) {
        this.stop();
        return;
      }
    }
  }

  /** Bytes leave the queue (forwarded or swallowed); reading resumes once it is short again. */
  private release(n: number): void {
    this.queued = Math.max(0, this.queued - n);
    if (this.src.isPaused() && this.queued <= LOW_WATER && !this.stopped) this.src.resume();
  }

  private write(piece: Buffer, flush: boolean): Promise<void> {
    return new Promise((resolve) => {
      const dst = this.dst;
      if (dst.destroyed || dst.writableEnded) {
        this.stop();
        resolve();
        return;
      }
      this.release(piece.length);
      this.cutBytes += piece.length;
      this.resetBytes += piece.length;
      this.host.forwarded(this.direction, piece.length);
      // The callback also runs (with an error) if dst is destroyed first, so this never hangs.
      const ok = dst.write(piece, () => {
        if (flush) resolve();
      });
      if (flush) return;
      if (ok) {
        resolve();
        return;
      }
      const done = (): void => {
        dst.off('drain', done);
        dst.off('close', done);
        resolve();
      };
      dst.on('drain', done);
      dst.on('close', done);
    });
  }
}
