import { type AuditAction, type AuditEvent, type Clock, StorageError } from '@stowage/core';
import { jsonClone } from './json-value.js';

export const AUDIT_ACTIONS: ReadonlySet<AuditAction> = new Set([
  'upload',
  'download',
  'presign',
  'delete',
  'copy',
  'move',
  'restore',
]);

/**
 * Checks an event for `AuditLog.append` and returns a clean copy, stamped by `clock` when it
 * has no `at`. Every audit log runs it before writing.
 * @throws InvalidInput for an unknown action, a missing key, a bad date or non-JSON details.
 */
export function checkAuditEvent(
  event: AuditEvent,
  clock: Clock,
  ctx: { operation: string; backend: string },
): AuditEvent & { at: Date } {
  if (typeof event !== 'object' || event === null)
    throw new StorageError('InvalidInput', 'event must be an object', ctx);
  if (!AUDIT_ACTIONS.has(event.action)) {
    throw new StorageError('InvalidInput', `Unknown audit action ${JSON.stringify(event.action)}`, ctx);
  }
  if (typeof event.key !== 'string' || event.key === '') {
    throw new StorageError('InvalidInput', 'event.key must be a non-empty string', ctx);
  }
  const keyCtx = { ...ctx, key: event.key };
  if (event.actor !== undefined && typeof event.actor !== 'string') {
    throw new StorageError('InvalidInput', 'event.actor must be a string', keyCtx);
  }
  const at = event.at ?? clock.now();
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new StorageError('InvalidInput', 'event.at must be a valid Date', keyCtx);
  }
  const out: AuditEvent & { at: Date } = { action: event.action, key: event.key, at: new Date(at.getTime()) };
  if (event.actor !== undefined) out.actor = event.actor;
  if (event.details !== undefined) out.details = jsonClone(event.details, 'details', keyCtx);
  return out;
}

/** Audit ids are zero-padded decimals, so their string order is their append order. */
export const AUDIT_ID_WIDTH = 20;

export function formatAuditId(n: number | bigint | string): string {
  return String(n).padStart(AUDIT_ID_WIDTH, '0');
}
