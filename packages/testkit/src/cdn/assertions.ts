import { isStorageError, type StorageError } from '@stowage/core';
import { expect } from 'vitest';

/** Asserts `run()` throws (synchronously: the method is pure) a StorageError of `kind`. */
export function expectThrownStorageError(
  run: () => unknown,
  kind: StorageError['kind'],
  what: string,
): StorageError {
  let result: unknown;
  try {
    result = run();
  } catch (error) {
    if (!isStorageError(error, kind)) {
      return expect.fail(`${what}: expected StorageError(${kind}), got ${String(error)}`);
    }
    expect(
      typeof error.backend === 'string' && error.backend.length > 0,
      `${what}: error.backend names the CDN`,
    ).toBe(true);
    return error;
  }
  return expect.fail(`${what}: expected StorageError(${kind}), got ${JSON.stringify(result)}`);
}

/** The bytes of a response. */
export async function bodyOf(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}
