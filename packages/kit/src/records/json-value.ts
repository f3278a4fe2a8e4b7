import { StorageError } from '@stowage/core';

/**
 * Deep-copies `value` through JSON after checking it survives JSON unchanged, so state kept
 * in memory behaves like state kept in a database, and a database stores exactly what it was
 * given (no shared references, no silent loss of Dates, undefined array slots, NaN, Maps,
 * class instances, …).
 * @throws InvalidInput naming the path of the first value JSON cannot represent, or when the
 *   JSON is larger than `MAX_JSON_BYTES`.
 */
/** The most JSON a record's attributes or a job's data may take (UTF-8 bytes): rows stay small. */
export const MAX_JSON_BYTES = 256 * 1024;

export function jsonClone<T>(
  value: T,
  what: string,
  ctx: { operation?: string; key?: string; backend?: string } = {},
): T {
  const problem = jsonProblem(value, what, new Set());
  if (problem !== undefined)
    throw new StorageError('InvalidInput', `${problem} is not JSON-serialisable`, ctx);
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_JSON_BYTES) {
    throw new StorageError(
      'InvalidInput',
      `${what} is ${bytes} bytes of JSON; the limit is ${MAX_JSON_BYTES}`,
      ctx,
    );
  }
  return JSON.parse(json) as T;
}

function jsonProblem(value: unknown, path: string, seen: Set<object>): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} (${value})`;
  if (typeof value !== 'object') return `${path} (${typeof value})`;
  if (seen.has(value)) return `${path} (circular reference)`;
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const p = jsonProblem(value[i], `${path}[${i}]`, seen);
        if (p !== undefined) return p;
      }
      return undefined;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const name = (value as object).constructor?.name ?? 'object';
      return `${path} (a ${name}; store e.g. an ISO string or plain object instead)`;
    }
    for (const [k, v] of Object.entries(value)) {
      // An undefined property simply disappears in JSON, which reads back the same.
      if (v === undefined) continue;
      const p = jsonProblem(v, `${path}.${k}`, seen);
      if (p !== undefined) return p;
    }
    return undefined;
  } finally {
    seen.delete(value);
  }
}
