import { HybridObjectStore, HybridUploadSessions } from '@stowage/hybrid';
import type { ParsedRuntimeConfig, SideMode } from '../config/runtime-config.js';
import type { Backend, BackendContext } from './backend.js';
import { localBackend } from './local-backend.js';
import { memoryBackend } from './memory-backend.js';
import { s3Backend } from './s3-backend.js';

/**
 * Hybrid mode: two sides (default local → s3) and a routing percentage. With a database the
 * store follows the shared rollout through the database's locks (every process adopts each
 * version behind a barrier; see the hybrid README); the configured percentage only seeds a
 * rollout that was never set. Without one (memory), it is the configured percentage.
 */
export async function hybridBackend(context: BackendContext): Promise<Backend> {
  const { config, database, logger, clock } = context;
  const fromMode = config.hybrid?.from ?? 'local';
  const toMode = config.hybrid?.to ?? 's3';
  const from = await sideBackend(context, fromMode, config.hybrid?.fromS3 ?? config.s3);
  const to = await sideBackend(context, toMode, config.hybrid?.toS3 ?? config.s3);
  const rollout = config.hybrid?.rollout ?? 'default';
  const shared = database.kind !== 'memory';
  const store = new HybridObjectStore({
    from: from.store,
    to: to.store,
    percentage: config.hybrid?.percentage ?? 0,
    jobs: database.jobs,
    // Per-key locks and the rollout through the database: every process on it routes each
    // operation with one rollout version (packages/hybrid/README.md, "Several processes").
    ...(shared ? { locks: database.locks } : {}),
    namespace: rollout,
    clock,
    logger: logger.child({ component: 'hybrid' }),
  });
  // A rollout never set is seeded with the configured percentage; after that the database's wins.
  const unfollow = shared ? store.followRollout(database.rollouts, rollout) : () => {};
  return {
    store,
    cdn: to.cdn ?? from.cdn,
    bucketAdmin: to.bucketAdmin.admin !== null ? to.bucketAdmin : from.bucketAdmin,
    // Each session lives on its key's side (native multipart there) and completes through the hybrid's write protocol.
    uploadSessions: new HybridUploadSessions({ store, from: from.uploadSessions, to: to.uploadSessions }),
    ...(from.files !== undefined ? { files: from.files } : to.files !== undefined ? { files: to.files } : {}),
    close: async () => {
      unfollow();
      await store.close();
      await to.close();
      await from.close();
    },
  };
}

function sideBackend(
  context: BackendContext,
  mode: SideMode,
  s3: ParsedRuntimeConfig['s3'],
): Promise<Backend> {
  switch (mode) {
    case 'memory':
      return memoryBackend(context);
    case 'local':
      return localBackend(context);
    default:
      return s3Backend(context, mode, s3);
  }
}
