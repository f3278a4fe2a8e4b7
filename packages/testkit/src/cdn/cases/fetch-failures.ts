import { expect } from 'vitest';
import { expectStorageError } from '../../object-store/assertions.js';
import type { CdnCases } from '../harness.js';

export function registerFetchFailureCases(cases: CdnCases): void {
  cases.case('HTTP 401 and 403 are PermissionDenied, not retryable', async ({ cdn, edge, key }) => {
    for (const status of [401, 403]) {
      const k = key(`status-${status}`);
      edge.fault(k, { status, body: 'denied' });
      const error = await expectStorageError(() => cdn.fetch(k), 'PermissionDenied', { key: k });
      expect(error.retryable, String(status)).toBe(false);
    }
  });

  cases.case(
    'HTTP 500, 502 and 503 are Unavailable and retryable; 504 is Unavailable or Timeout',
    async ({ cdn, edge, key }) => {
      for (const status of [500, 502, 503, 504]) {
        const k = key(`status-${status}`);
        edge.fault(k, {
          status,
          body: '<html><body>edge trouble</body></html>',
          headers: { 'content-type': 'text/html' },
        });
        const kinds = status === 504 ? (['Unavailable', 'Timeout'] as const) : 'Unavailable';
        const error = await expectStorageError(() => cdn.fetch(k), kinds, { key: k });
        expect(error.retryable, String(status)).toBe(true);
      }
    },
  );

  cases.case(
    'a connection closed without an answer is Unavailable and retryable',
    async ({ cdn, edge, key }) => {
      const k = key('reset');
      edge.fault(k, 'reset');
      const error = await expectStorageError(() => cdn.fetch(k), 'Unavailable', { key: k });
      expect(error.retryable).toBe(true);
    },
  );

  cases.case(
    'a signal aborted while the CDN has not answered is Aborted, not retryable',
    async ({ cdn, edge, key }) => {
      const k = key('hang-abort');
      edge.fault(k, 'hang');
      const controller = new AbortController();
      const pending = cdn.fetch(k, { signal: controller.signal });
      const settled = pending.then(
        () => undefined,
        () => undefined,
      );
      await Promise.race([edge.waitForRequest(k), settled]);
      controller.abort();
      const error = await expectStorageError(() => pending, 'Aborted', { key: k });
      expect(error.retryable).toBe(false);
    },
  );

  cases.case(
    'an already-aborted signal is Aborted, and nothing is requested',
    async ({ cdn, edge, key, publish }) => {
      const k = key('pre-aborted.txt');
      await publish(k, 'x');
      const before = edge.requestsFor(k).length;
      await expectStorageError(() => cdn.fetch(k, { signal: AbortSignal.abort() }), 'Aborted', { key: k });
      expect(edge.requestsFor(k).length - before, 'requests sent').toBe(0);
    },
  );

  cases.case('a timed-out signal is Timeout and retryable', async ({ cdn, edge, key }) => {
    const k = key('hang-timeout');
    edge.fault(k, 'hang');
    const error = await expectStorageError(
      () => cdn.fetch(k, { signal: AbortSignal.timeout(150) }),
      'Timeout',
      {
        key: k,
      },
    );
    expect(error.retryable).toBe(true);
  });
}
