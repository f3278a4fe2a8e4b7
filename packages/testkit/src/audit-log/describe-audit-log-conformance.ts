import type { AuditLog } from '@stowage/core';
import { type Category, caseNames, describePortSuite } from '../helpers/port-suite.js';
import { registerAppendCases } from './cases/append.js';
import { registerPaginationCases } from './cases/pagination.js';
import { registerQueryCases } from './cases/query.js';
import type { AuditCase, AuditLogConformanceOptions } from './support.js';

export type { AuditLogConformanceOptions } from './support.js';

const CATEGORIES: ReadonlyArray<Category<AuditCase>> = [
  ['append', registerAppendCases],
  ['query', registerQueryCases],
  ['pagination', registerPaginationCases],
];

/**
 * Registers the AuditLog contract as vitest suites: append keeps events exactly (ids unique
 * under concurrency, details as JSON, bad events refused with nothing appended), queries by
 * key/actor/action/since that take `%` and `_` literally, oldest first, with cursors that
 * survive appends. The log is append-only, so every case writes under its own key prefix and
 * actor and queries by them; nothing is cleaned up.
 */
export function describeAuditLogConformance(options: AuditLogConformanceOptions): void {
  describePortSuite<AuditLog, AuditLogConformanceOptions>(
    'AuditLog conformance',
    options,
    CATEGORIES,
    async () => {
      // Append-only: nothing to remove.
    },
  );
}

/** The cases `describeAuditLogConformance` registers (for reports and inventory tests). */
export function auditLogConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
