import { isStorageError, type StorageError } from '@stowage/core';

export interface RetryPolicy {
  /** Attempts in all (1: no retry); default 3, as the seeds used. */
  attempts: number;
  /** First backoff ceiling in ms; default 100. Each retry doubles it (full jitter below it). */
  baseDelayMs: number;
  /** Largest backoff ceiling; default 2000 ms. */
  maxDelayMs: number;
  /** No retry starts after this many ms since the first attempt; default 10000. */
  deadlineMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  deadlineMs: 10_000,
};

/**
 * Runs `operation`, again after a failure whose StorageError is `retryable` (Timeout,
 * RateLimited, Unavailable, or marked so by its adapter), with exponential backoff and full
 * jitter (AWS's recommendation: a random wait below the doubling ceiling, so a fleet of
 * clients does not retry in lockstep). Permanent failures (NotFound, PreconditionFailed, …)
 * are never retried. The last failure is thrown as is.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  operation: (attempt: number) => Promise<T>,
  options: {
    signal?: AbortSignal;
    random?: () => number;
    onRetry?: (error: StorageError, attempt: number, delayMs: number) => void;
  } = {},
): Promise<T> {
  const started = Date.now();
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!isStorageError(error) || !error.retryable || attempt >= policy.attempts || options.signal?.aborted)
        throw error;
      const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = Math.floor(random() * ceiling);
      if (Date.now() - started + delay > policy.deadlineMs) throw error;
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal?.removeEventListener('abort', done);
      clearTimeout(timer);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
