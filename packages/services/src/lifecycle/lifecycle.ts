import {
  type BucketAdmin,
  type Clock,
  isCommonPrefix,
  type LifecycleRule,
  type Logger,
  StorageError,
  TOKENS,
} from '@stowage/core';
import { inject, injectable } from 'tsyringe';
import type { ObjectStorage } from '../storage/object-storage.js';
import { SERVICE_TOKENS } from '../tokens.js';

/** The store's bucket admin and bucket; `admin` null where the backend has none. */
export interface BucketAdminRef {
  admin: BucketAdmin | null;
  bucket: string;
}

export interface ExpiryRule {
  /** Keys under this prefix expire… */
  prefix: string;
  /** …this many whole days after they were last written. */
  days: number;
}

export interface SweepReport {
  examined: number;
  expired: number;
  failed: Array<{ key: string; error: Error }>;
}

/**
 * Expiry of prefixes after N days: native lifecycle rules where the backend has them (the
 * bucket does the work, even with no process running), a sweeper driven by the Clock where
 * it does not (local, memory, servers without lifecycle support).
 */
@injectable()
export class Lifecycle {
  constructor(
    @inject(SERVICE_TOKENS.ObjectStorage) private readonly storage: ObjectStorage,
    @inject(SERVICE_TOKENS.BucketAdminRef) private readonly ref: BucketAdminRef,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /** Whether rules are applied natively (else `sweep` must run, e.g. daily). */
  get native(): boolean {
    return (
      this.ref.admin !== null && this.ref.admin.supportsLifecycle && this.storage.store.capabilities.lifecycle
    );
  }

  /**
   * Applies the rules natively when possible; otherwise records nothing and returns false
   * (call `sweep` with the same rules on a schedule).
   * @throws InvalidInput for a rule with a non-positive or fractional day count.
   */
  async apply(rules: readonly ExpiryRule[]): Promise<boolean> {
    for (const rule of rules) checkRule(rule);
    if (!this.native) return false;
    const native: LifecycleRule[] = rules.map((rule, i) => ({
      id: `stowage-expire-${i}`,
      prefix: rule.prefix,
      expireAfterDays: rule.days,
    }));
    await this.ref.admin!.setLifecycleRules(this.ref.bucket, native);
    return true;
  }

  /** Deletes the objects under each rule's prefix last written more than `days` days ago, by the Clock. */
  async sweep(rules: readonly ExpiryRule[], options: { signal?: AbortSignal } = {}): Promise<SweepReport> {
    for (const rule of rules) checkRule(rule);
    const report: SweepReport = { examined: 0, expired: 0, failed: [] };
    const now = this.clock.now().getTime();
    for (const rule of rules) {
      const cutoff = now - rule.days * 86_400_000;
      const expired: string[] = [];
      for await (const entry of this.storage.list({
        prefix: rule.prefix,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      })) {
        if (isCommonPrefix(entry)) continue;
        report.examined++;
        if (entry.lastModified.getTime() <= cutoff) expired.push(entry.key);
      }
      if (expired.length === 0) continue;
      const result = await this.storage.deleteMany(expired, options);
      report.expired += result.deleted;
      report.failed.push(...result.errors);
      this.logger.info('lifecycle sweep expired objects', {
        prefix: rule.prefix,
        days: rule.days,
        expired: result.deleted,
      });
    }
    return report;
  }
}

function checkRule(rule: ExpiryRule): void {
  if (!Number.isInteger(rule.days) || rule.days < 1) {
    throw new StorageError(
      'InvalidInput',
      `An expiry rule needs a whole number of days, at least 1; got ${rule.days}`,
      {
        operation: 'lifecycle',
        key: rule.prefix,
      },
    );
  }
}
