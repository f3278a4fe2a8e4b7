import type { ErrorKind, Page } from '@stowage/core';
import { expect } from 'vitest';
import { expectStorageError } from '../object-store/assertions.js';

/**
 * Every item of a paginated query, following cursors. Checks each page against `limit` and
 * fails rather than loop forever on a cursor that never ends.
 */
export async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  limit?: number,
): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await fetchPage(cursor);
    expect(Array.isArray(page.items), 'page.items is an array').toBe(true);
    if (limit !== undefined) expect(page.items.length, 'page size within limit').toBeLessThanOrEqual(limit);
    if (page.cursor !== undefined) expect(page.cursor, 'a cursor is a non-empty string').toMatch(/./);
    out.push(...page.items);
    cursor = page.cursor;
    if (++pages > 10_000) expect.fail('pagination did not terminate');
  } while (cursor !== undefined);
  return out;
}

/**
 * Cursors no implementation can have issued, whatever its cursor format: not a cursor at all,
 * empty, a real cursor with characters no encoding uses appended or replacing its start, and
 * values that are not strings. A position cursor cannot detect every edit of its payload, so
 * only edits that break any format are used.
 */
export function malformedCursors(real?: string): unknown[] {
  const out: unknown[] = ['garbage', '', ' ', '!!!', '{"k":1}', 'k1.%%%', 42, null, {}];
  if (real !== undefined) {
    out.push(`${real}!!`, `${real} `, `%${real.slice(1)}`, `${real}\u0000`, real.repeat(40));
  }
  return out;
}

/** Each malformed cursor must be refused with `kind` (default InvalidInput). */
export async function expectMalformedCursorsRefused(
  run: (cursor: string) => Promise<unknown>,
  real?: string,
  kind: ErrorKind = 'InvalidInput',
): Promise<void> {
  for (const cursor of malformedCursors(real)) {
    await expectStorageError(() => run(cursor as string), kind).catch((error: unknown) => {
      throw new Error(`cursor ${JSON.stringify(cursor)}: ${(error as Error).message}`);
    });
  }
}
