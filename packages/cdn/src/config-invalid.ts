import { StorageError } from '@stowage/core';
import type { z } from 'zod';

/**
 * Validates `input` against `schema`, or throws `ConfigInvalid` naming the first bad
 * setting by its path (e.g. `cdn.baseUrl`), so a typo points at the line to fix.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: unknown,
  ctx: { backend: string; prefix?: string },
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [ctx.prefix, ...(issue?.path ?? []).map(String)]
    .filter((p) => p !== undefined && p !== '')
    .join('.');
  const setting = path === '' ? 'config' : path;
  const message = issue?.message ?? 'invalid';
  const all = result.error.issues
    .slice(1)
    .map((i) => [ctx.prefix, ...i.path.map(String)].filter((p) => p !== undefined && p !== '').join('.'))
    .filter((p) => p !== '');
  const more = all.length === 0 ? '' : ` (also check: ${all.join(', ')})`;
  throw new StorageError('ConfigInvalid', `Invalid ${ctx.backend} setting "${setting}": ${message}${more}`, {
    backend: ctx.backend,
    operation: 'configure',
    cause: result.error,
  });
}
