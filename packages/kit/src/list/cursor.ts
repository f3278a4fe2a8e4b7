import { StorageError } from '@stowage/core';

const PREFIX = 'k1.';

/**
 * A portable listing cursor: the last entry returned (a key, or a folder ending in "/").
 * Because it names a position rather than a server snapshot, it survives concurrent
 * writes and can be handed from one store to another (the hybrid router relies on this).
 */
export function encodeKeyCursor(lastEntry: string): string {
  return PREFIX + Buffer.from(lastEntry, 'utf8').toString('base64url');
}

/** @throws InvalidInput for a cursor not made by `encodeKeyCursor`. */
export function decodeKeyCursor(cursor: string, ctx: { operation?: string; backend?: string } = {}): string {
  if (typeof cursor !== 'string' || !cursor.startsWith(PREFIX)) {
    throw new StorageError('InvalidInput', 'Malformed list cursor', ctx);
  }
  const text = Buffer.from(cursor.slice(PREFIX.length), 'base64url').toString('utf8');
  if (text === '' || encodeKeyCursor(text) !== cursor) {
    throw new StorageError('InvalidInput', 'Malformed list cursor', ctx);
  }
  return text;
}
