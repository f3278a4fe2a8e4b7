import {
  type ErrorKind,
  isStorageError,
  type ObjectInfo,
  type ObjectStore,
  type ObjectSummary,
  readBytes,
  type StorageError,
} from '@stowage/core';
import { expect } from 'vitest';

export interface ErrorExpectation {
  key?: string;
  operation?: string;
}

/** Kinds an error may have, shown with the message so a failing case explains itself. */
function describeError(error: unknown): string {
  if (isStorageError(error)) return `StorageError(${error.kind}): ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * Awaits `run()` and asserts it rejects with a StorageError of one of `kinds` that names the
 * backend (and the key/operation when given). A synchronous throw is a defect: every port
 * method returns a promise, so callers chain `.catch`.
 */
export async function expectStorageError(
  run: () => Promise<unknown>,
  kinds: ErrorKind | readonly ErrorKind[],
  expectation: ErrorExpectation = {},
): Promise<StorageError> {
  const wanted: readonly ErrorKind[] = typeof kinds === 'string' ? [kinds] : kinds;
  let promise: Promise<unknown>;
  try {
    promise = run();
  } catch (error) {
    return expect.fail(
      `expected a rejected promise (${wanted.join('|')}), but the call threw synchronously: ${describeError(error)}`,
    );
  }
  let result: unknown;
  try {
    result = await promise;
  } catch (error) {
    if (!isStorageError(error)) {
      return expect.fail(`expected StorageError(${wanted.join('|')}), got ${describeError(error)}`);
    }
    if (!wanted.includes(error.kind)) {
      return expect.fail(`expected StorageError(${wanted.join('|')}), got ${describeError(error)}`);
    }
    expect(typeof error.backend, 'error.backend names the store').toBe('string');
    expect(error.backend?.length ?? 0, 'error.backend names the store').toBeGreaterThan(0);
    if (expectation.key !== undefined) expect(error.key, 'error.key').toBe(expectation.key);
    if (expectation.operation !== undefined)
      expect(error.operation, 'error.operation').toBe(expectation.operation);
    return error;
  }
  // Drain/destroy a stream we were not supposed to get so it cannot leak a socket.
  if (typeof result === 'object' && result !== null && 'body' in result) {
    (result as { body: { destroy?: () => void } }).body.destroy?.();
  }
  return expect.fail(`expected StorageError(${wanted.join('|')}), but the call succeeded`);
}

export const QUOTED_ETAG = /^"[^"]+"$/;

/** Shape every ObjectInfo must have. */
export function expectObjectInfo(info: ObjectInfo, key: string, size: number): void {
  expect(info.key, 'info.key').toBe(key);
  expect(info.size, 'info.size').toBe(size);
  expect(info.etag, 'info.etag is quoted').toMatch(QUOTED_ETAG);
  expect(info.lastModified, 'info.lastModified').toBeInstanceOf(Date);
  expect(Number.isNaN(info.lastModified.getTime()), 'info.lastModified is a valid date').toBe(false);
  expect(typeof info.contentType, 'info.contentType').toBe('string');
  expect(info.contentType.length, 'info.contentType').toBeGreaterThan(0);
  expect(info.metadata, 'info.metadata').toBeTypeOf('object');
  expect(['public', 'private'], 'info.visibility').toContain(info.visibility);
  if (info.sha256 !== undefined) expect(info.sha256, 'info.sha256').toMatch(/^[0-9a-f]{64}$/);
}

export function expectSummary(summary: ObjectSummary, key: string, size: number): void {
  expect(summary.key).toBe(key);
  expect(summary.size, `size of ${key}`).toBe(size);
  expect(summary.etag, `etag of ${key}`).toMatch(QUOTED_ETAG);
  expect(summary.lastModified, `lastModified of ${key}`).toBeInstanceOf(Date);
}

/** The stored bytes of `key`. */
export async function getBytes(store: ObjectStore, key: string): Promise<Buffer> {
  return readBytes(await store.get(key));
}

export async function getText(store: ObjectStore, key: string): Promise<string> {
  return (await getBytes(store, key)).toString('utf8');
}
