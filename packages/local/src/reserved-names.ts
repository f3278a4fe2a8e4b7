import { createHash, randomUUID } from 'node:crypto';

/**
 * Every name the store creates for itself starts with this. Key segments starting with it
 * are refused (`InvalidKey`), so a temp file or sidecar can never collide with an object,
 * and listings skip such entries.
 */
export const RESERVED_PREFIX = '.stowage-';

const TEMP_PREFIX = `${RESERVED_PREFIX}tmp-`;
const SIDECAR_PREFIX = `${RESERVED_PREFIX}meta-`;
const JOURNAL_NAME = `${RESERVED_PREFIX}etags`;

export function isReservedName(name: string): boolean {
  return name.startsWith(RESERVED_PREFIX);
}

/**
 * A fresh temp-file name (122 random bits) for a write in progress. randomUUID draws from a
 * cached entropy pool: much cheaper per call than randomBytes, and it runs on every write.
 */
export function tempName(): string {
  return TEMP_PREFIX + randomUUID().replaceAll('-', '');
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/**
 * The sidecar's file name, in the body's own directory. It is a hash of the body's name so
 * it stays short (a 255-byte segment plus a suffix would exceed NAME_MAX) and one directory
 * fsync makes both the body and its sidecar durable.
 */
export function sidecarName(bodyName: string): string {
  return `${SIDECAR_PREFIX}${createHash('sha256').update(bodyName, 'utf8').digest('hex').slice(0, 40)}.json`;
}

export function isSidecarName(name: string): boolean {
  return name.startsWith(SIDECAR_PREFIX);
}

/** The per-directory etag journal (etag-journal.ts): a cache for listings. */
export function journalName(): string {
  return JOURNAL_NAME;
}

export function isJournalName(name: string): boolean {
  return name === JOURNAL_NAME;
}

/** The first key segment that uses a reserved name, if any. */
export function reservedSegment(key: string): string | undefined {
  for (const segment of key.split('/')) if (isReservedName(segment)) return segment;
  return undefined;
}
