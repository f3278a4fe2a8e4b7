import { MAX_JSON_BYTES } from '@stowage/kit';
import {
  describeAuditLogConformance,
  describeJobStateStoreConformance,
  describeLocksConformance,
  describeMetadataRepositoryConformance,
  describeRolloutStateConformance,
} from '@stowage/testkit';
import { afterAll } from 'vitest';
import {
  PostgresAuditLog,
  PostgresDatabase,
  PostgresJobStateStore,
  PostgresLocks,
  PostgresMetadataRepository,
  PostgresRolloutState,
} from '../src/index.js';
import { freshDatabase } from './fresh-database.js';

/**
 * Every port suite on PGlite (embedded, in memory) and on the loopback PostgreSQL server (a
 * fresh database for the run). On PostgreSQL a peer is a second database handle with its
 * own pool, as another process would have: the cross-instance cases of Locks and
 * RolloutState run for real. PGlite is one process's database, so they skip there.
 */
for (const target of ['pglite', 'postgres'] as const) {
  let primary: Promise<{ db: PostgresDatabase; url?: string; drop?: () => Promise<void> }> | undefined;
  const peers: PostgresDatabase[] = [];
  const open = () => {
    primary ??= (async () => {
      if (target === 'pglite') return { db: await PostgresDatabase.open({ rolloutPollMs: 200 }) };
      const fresh = await freshDatabase('conformance');
      return {
        db: await PostgresDatabase.open({ url: fresh.url, rolloutPollMs: 200 }),
        url: fresh.url,
        drop: fresh.drop,
      };
    })();
    return primary;
  };
  const database = async () => (await open()).db;
  const peerDatabase = async () => {
    const { url } = await open();
    const peer = await PostgresDatabase.open({ url: url!, migrate: false, rolloutPollMs: 200 });
    peers.push(peer);
    return peer;
  };
  afterAll(async () => {
    for (const peer of peers.splice(0)) await peer.close().catch(() => {});
    if (primary === undefined) return;
    const { db, drop } = await primary;
    await db.close();
    await drop?.();
  });

  describeMetadataRepositoryConformance({
    name: target,
    create: async () => new PostgresMetadataRepository(await database()),
    limits: { maxAttributesBytes: MAX_JSON_BYTES },
  });
  describeJobStateStoreConformance({
    name: target,
    create: async () => new PostgresJobStateStore(await database()),
  });
  describeAuditLogConformance({ name: target, create: async () => new PostgresAuditLog(await database()) });
  describeLocksConformance({
    name: target,
    create: async () => new PostgresLocks(await database()),
    cleanup: (locks) => locks.close(),
    ...(target === 'postgres' ? { createPeer: async () => new PostgresLocks(await peerDatabase()) } : {}),
  });
  describeRolloutStateConformance({
    name: target,
    create: async () => new PostgresRolloutState(await database()),
    cleanup: (state) => state.close(),
    ...(target === 'postgres'
      ? { createPeer: async () => new PostgresRolloutState(await peerDatabase()) }
      : {}),
  });
}
