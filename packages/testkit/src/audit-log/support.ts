import type { AuditAction, AuditEvent, AuditLog, StoredAuditEvent } from '@stowage/core';
import { allPages } from '../helpers/pages.js';
import type { CaseRegistry, PortCase, PortConformanceOptions } from '../helpers/port-suite.js';

export type AuditLogConformanceOptions = PortConformanceOptions<AuditLog>;
export type AuditCase = PortCase<AuditLog, AuditLogConformanceOptions>;
export type AuditCases = CaseRegistry<AuditCase>;
export type AuditQuery = Parameters<AuditLog['query']>[0];

export const ACTIONS: readonly AuditAction[] = [
  'upload',
  'download',
  'presign',
  'delete',
  'copy',
  'move',
  'restore',
];

/** Every event of a query, following cursors. */
export function queryAll(log: AuditLog, query: AuditQuery): Promise<StoredAuditEvent[]> {
  return allPages(
    (cursor) => log.query({ ...query, ...(cursor === undefined ? {} : { cursor }) }),
    query.limit,
  );
}

/**
 * Times for a case's events: a minute ago, one second apart, so "oldest first" means the
 * same whether a log orders by append or by `at`.
 */
export function timeline(): (i: number) => Date {
  const start = Math.floor(Date.now() / 1000) * 1000 - 60_000;
  return (i) => new Date(start + i * 1000);
}

/** An event by this case's actor (the log is shared and append-only: cases query by actor or key). */
export function event(
  ns: string,
  i: number,
  at: (i: number) => Date,
  extra: Partial<AuditEvent> = {},
): AuditEvent {
  return { action: 'upload', key: `${ns}/k${i}`, actor: ns, at: at(i), ...extra };
}
