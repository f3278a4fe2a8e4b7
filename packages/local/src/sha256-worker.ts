import { Worker } from 'node:worker_threads';

/** Bytes copied per message to the worker (small chunks are batched up to this). */
const PIECE = 1024 * 1024;
/** How far (in bytes) a job's feeder may run ahead of the worker before it has to wait. */
const MAX_BEHIND = 2 * PIECE;
/** Pieces kept for reuse (they come back from the worker with its acknowledgement). */
const SPARE_PIECES = 4;

// Plain CommonJS, evaluated in the worker: no file to resolve, whether this package runs
// from its TypeScript sources (tests) or from dist.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const jobs = new Map();
parentPort.on('message', (m) => {
  if (m.t === 'u') {
    let hash = jobs.get(m.id);
    if (hash === undefined) jobs.set(m.id, (hash = createHash('sha256')));
    hash.update(new Uint8Array(m.b, 0, m.n));
    parentPort.postMessage({ id: m.id, n: m.n, b: m.b }, [m.b]);
  } else if (m.t === 'd') {
    const hash = jobs.get(m.id) ?? createHash('sha256');
    jobs.delete(m.id);
    parentPort.postMessage({ id: m.id, hex: hash.digest('hex') });
  } else {
    jobs.delete(m.id);
  }
});
`;

/** An incremental sha256 computed on a worker thread. */
export interface OffloadedSha256 {
  /**
   * Copies `chunk` for the worker (the caller keeps ownership of its buffer). Returns a
   * promise when the worker is more than a few MiB behind: await it before feeding more,
   * which bounds the memory held in copies.
   */
  update(chunk: Uint8Array): Promise<void> | undefined;
  /** The hex digest once the worker has hashed everything. Rejects if the worker died. */
  digest(): Promise<string>;
  /** Drops the job (after a failed write). */
  cancel(): void;
}

interface Job {
  sent: number;
  hashed: number;
  staging: Uint8Array | undefined;
  staged: number;
  resume: (() => void) | undefined;
  done: { resolve: (hex: string) => void; reject: (error: Error) => void } | undefined;
}

/**
 * One worker per process hashes the bodies of large writes, so hashing overlaps with the
 * writes and fsyncs (which run on the libuv pool) and the event loop stays free. It is
 * started on first use, referenced only while a job is open (it never keeps the process
 * alive), and replaced if it dies.
 */
class Sha256Worker {
  private worker: Worker | undefined;
  private readonly jobs = new Map<number, Job>();
  private nextId = 1;
  // Recycled rather than left to the worker's garbage collector, which would let hundreds
  // of MiB of hashed pieces pile up during a long stream.
  private readonly spare: ArrayBuffer[] = [];

  start(): OffloadedSha256 {
    const worker = this.ensureWorker();
    const id = this.nextId++;
    const job: Job = {
      sent: 0,
      hashed: 0,
      staging: undefined,
      staged: 0,
      resume: undefined,
      done: undefined,
    };
    this.jobs.set(id, job);
    if (this.jobs.size === 1) worker.ref();
    const flush = () => {
      if (job.staging === undefined || job.staged === 0) return;
      const piece = job.staging.buffer as ArrayBuffer;
      const n = job.staged;
      job.staging = undefined;
      job.staged = 0;
      worker.postMessage({ t: 'u', id, b: piece, n }, [piece]);
    };
    return {
      update: (chunk) => {
        if (!this.jobs.has(id)) return undefined; // the worker died: digest() reports it
        for (let offset = 0; offset < chunk.length; ) {
          job.staging ??= new Uint8Array(this.spare.pop() ?? new ArrayBuffer(PIECE));
          const n = Math.min(PIECE - job.staged, chunk.length - offset);
          job.staging.set(chunk.subarray(offset, offset + n), job.staged);
          job.staged += n;
          job.sent += n;
          offset += n;
          if (job.staged === PIECE) flush();
        }
        if (job.sent - job.hashed <= MAX_BEHIND) return undefined;
        return new Promise<void>((resolve) => {
          job.resume = resolve;
        });
      },
      digest: () =>
        new Promise<string>((resolve, reject) => {
          if (!this.jobs.has(id)) {
            reject(new Error('The sha256 worker thread stopped'));
            return;
          }
          job.done = { resolve, reject };
          flush();
          worker.postMessage({ t: 'd', id });
        }),
      cancel: () => {
        if (this.jobs.has(id)) {
          worker.postMessage({ t: 'x', id });
          this.finish(id);
        }
        job.resume?.();
        job.resume = undefined;
      },
    };
  }

  private ensureWorker(): Worker {
    if (this.worker !== undefined) return this.worker;
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'stowage-local-sha256' });
    worker.unref();
    worker.on('message', (m: { id: number; n?: number; b?: ArrayBuffer; hex?: string }) => {
      if (m.b !== undefined && this.spare.length < SPARE_PIECES) this.spare.push(m.b);
      const job = this.jobs.get(m.id);
      if (job === undefined) return;
      if (m.hex !== undefined) {
        const done = job.done;
        this.finish(m.id);
        done?.resolve(m.hex);
        return;
      }
      job.hashed += m.n ?? 0;
      if (job.resume !== undefined && job.sent - job.hashed <= MAX_BEHIND) {
        const resume = job.resume;
        job.resume = undefined;
        resume();
      }
    });
    const fail = (cause: unknown) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      const error = new Error('The sha256 worker thread stopped', { cause });
      for (const [id, job] of [...this.jobs]) {
        this.jobs.delete(id);
        job.resume?.();
        job.done?.reject(error);
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.worker = worker;
    return worker;
  }

  private finish(id: number): void {
    this.jobs.delete(id);
    if (this.jobs.size === 0) this.worker?.unref();
  }
}

const shared = new Sha256Worker();

/** Starts an incremental sha256 on the shared worker thread. */
export function startOffloadedSha256(): OffloadedSha256 {
  return shared.start();
}
