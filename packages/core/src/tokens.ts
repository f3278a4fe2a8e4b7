/**
 * Injection tokens for the ports. Symbol.for keeps them equal across duplicate package copies.
 * Use with tsyringe: `@inject(TOKENS.ObjectStore) store: ObjectStore`.
 */
export const TOKENS = {
  ObjectStore: Symbol.for('stowage.ObjectStore'),
  BucketAdmin: Symbol.for('stowage.BucketAdmin'),
  Cdn: Symbol.for('stowage.Cdn'),
  MetadataRepository: Symbol.for('stowage.MetadataRepository'),
  AuditLog: Symbol.for('stowage.AuditLog'),
  JobStateStore: Symbol.for('stowage.JobStateStore'),
  Locks: Symbol.for('stowage.Locks'),
  RolloutState: Symbol.for('stowage.RolloutState'),
  UploadSessions: Symbol.for('stowage.UploadSessions'),
  Clock: Symbol.for('stowage.Clock'),
  Logger: Symbol.for('stowage.Logger'),
} as const;

export type Token = (typeof TOKENS)[keyof typeof TOKENS];
