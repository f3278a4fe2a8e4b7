import { join } from 'node:path';
import { HybridObjectStore } from '@stowage/hybrid';
import { StagedUploadSessions } from '@stowage/kit';
import { LocalObjectStore } from '@stowage/local';
import type { ParsedRuntimeConfig, SideMode } from '../config/runtime-config.js';
import type { Backend, BackendContext } from './backend.js';
import { localBackend } from './local-backend.js';
import { memoryBackend } from './memory-backend.js';
import { s3Backend } from './s3-backend.js';

/**
 * Hybrid mode: two sides (default local → s3) and a routing percentage. With a database the
 * percentage is the shared rollout's (every process follows `set`s within a poll interval);
 * the configured percentage only seeds a rollout that was never set. Without one (memory),
 * it is the configured percentage.
 */
export async function hybridBackend(context: BackendContext): Promise<Backend> {
  const { config, database, logger, clock } = context;
  const fromMode = config.hybrid?.from ?? 'local';
  const toMode = config.hybrid?.to ?? 's3';
  const from = await sideBackend(context, fromMode, config.hybrid?.fromS3 ?? config.s3);
  const to = await sideBackend(context, toMode, config.hybrid?.toS3 ?? config.s3);
  const rollout = config.hybrid?.rollout ?? 'default';
  const configured = config.hybrid?.percentage ?? 0;
  let percentage = configured;
  if (database.kind !== 'memory') {
    const snapshot = (await database.rollouts.get(rollout)) ?? (await seed(context, rollout, configured));
    if (snapshot.percentage !== configured && config.hybrid?.percentage !== undefined) {
      logger.warn('the shared rollout overrides the configured percentage', {
        rollout,
        shared: snapshot.percentage,
        configured,
      });
    }
    percentage = snapshot.percentage;
  }
  const store = new HybridObjectStore({
    from: from.store,
    to: to.store,
    percentage,
    jobs: database.jobs,
    namespace: rollout,
    clock,
    logger: logger.child({ component: 'hybrid' }),
  });
  const unwatch =
    database.kind === 'memory'
      ? () => {}
      : database.rollouts.watch(rollout, (snapshot) => {
          if (snapshot.percentage !== store.percentage) {
            logger.info('rollout percentage changed', { rollout, percentage: snapshot.percentage });
            store.setPercentage(snapshot.percentage);
          }
        });
  // Parts wait on this host's disk; completion writes through the hybrid store, so the object
  // lands on its side under the hybrid's own write rules.
  const staging = new LocalObjectStore({
    root: join(context.dataDir, 'uploads', 'hybrid'),
    clock,
    fsync: false,
  });
  return {
    store,
    cdn: to.cdn ?? from.cdn,
    bucketAdmin: to.bucketAdmin.admin !== null ? to.bucketAdmin : from.bucketAdmin,
    uploadSessions: new StagedUploadSessions({
      store,
      staging,
      jobs: database.jobs,
      clock,
      namespace: `hybrid-${rollout}`,
    }),
    ...(from.files !== undefined ? { files: from.files } : to.files !== undefined ? { files: to.files } : {}),
    close: async () => {
      unwatch();
      await store.close();
      await to.close();
      await from.close();
    },
  };
}

async function seed(context: BackendContext, rollout: string, percentage: number) {
  try {
    return await context.database.rollouts.set(rollout, percentage, { expectedVersion: 0 });
  } catch (error) {
    // Another process seeded it first: theirs stands.
    const current = await context.database.rollouts.get(rollout);
    if (current !== null) return current;
    throw error;
  }
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
