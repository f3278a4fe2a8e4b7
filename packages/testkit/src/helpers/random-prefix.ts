import { randomBytes } from 'node:crypto';

/**
 * A fresh key prefix such as `stowage-test/k3f9x2a1c0de/`, so tests sharing one bucket
 * never see each other's keys.
 */
export function randomPrefix(base = 'stowage-test'): string {
  return `${base}/${randomBytes(6).toString('hex')}/`;
}
