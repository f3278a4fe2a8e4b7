import type { Lease, Locks } from '@stowage/core';
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils';

/** What a request gets when the upload stays busy past the wait: tus clients retry a 423. */
export const UPLOAD_BUSY = {
  status_code: 423,
  body: 'The upload is busy: another request is writing to it; retry\n',
} as const;

/**
 * @tus/server's Locker over the Locks port: one exclusive lock per upload id, so with
 * PostgreSQL (advisory locks) concurrent requests on one upload are serialized across every
 * instance of the service, and a process that dies releases its locks. Within one process a
 * request that wants the lock asks the holder to wind down first (@tus/server then ends the
 * holder's body after its drain timeout, and the bytes it received are kept), as tus's own
 * MemoryLocker does for half-open connections; across processes it waits for the holder, up to
 * `timeoutMs`, then answers 423.
 */
export class PortLocker implements Locker {
  /** In-process holders' release requests, by upload id. */
  readonly holders = new Map<string, Set<RequestRelease>>();
  /** Leases held in this process, by upload id: their `lost` signal stops work done under them. */
  readonly leases = new Map<string, Lease>();

  constructor(
    readonly locks: Locks,
    readonly timeoutMs = 30_000,
  ) {}

  newLock(id: string): Lock {
    return new PortLock(this, id);
  }

  /** The lock name of an upload in the Locks port. */
  static lockKey(id: string): string {
    return `tus-upload:${id}`;
  }

  /** Takes the lock outside a tus request (completion after creation, a status request). */
  async acquire(id: string, signal?: AbortSignal): Promise<Lease> {
    const lock = new PortLock(this, id);
    await lock.lock(signal ?? new AbortController().signal, () => {});
    return { release: () => lock.unlock(), lost: lock.lost };
  }
}

class PortLock implements Lock {
  private lease: Lease | undefined;
  private release: RequestRelease | undefined;

  constructor(
    private readonly locker: PortLocker,
    private readonly id: string,
  ) {}

  get lost(): AbortSignal {
    return this.lease?.lost ?? new AbortController().signal;
  }

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    for (const release of this.locker.holders.get(this.id) ?? []) void release();
    const timeout = AbortSignal.timeout(this.locker.timeoutMs);
    try {
      this.lease = await this.locker.locks.acquire(PortLocker.lockKey(this.id), 'exclusive', {
        signal: AbortSignal.any([signal, timeout]),
      });
    } catch (error) {
      if (timeout.aborted && !signal.aborted) throw UPLOAD_BUSY;
      if (signal.aborted) throw ERRORS.ABORTED;
      throw error;
    }
    this.release = requestRelease;
    const holders = this.locker.holders.get(this.id) ?? new Set<RequestRelease>();
    this.locker.holders.set(this.id, holders);
    holders.add(requestRelease);
    this.locker.leases.set(this.id, this.lease);
  }

  async unlock(): Promise<void> {
    const holders = this.locker.holders.get(this.id);
    if (this.release !== undefined) holders?.delete(this.release);
    if (holders?.size === 0) this.locker.holders.delete(this.id);
    if (this.locker.leases.get(this.id) === this.lease) this.locker.leases.delete(this.id);
    const lease = this.lease;
    this.lease = undefined;
    await lease?.release();
  }
}
