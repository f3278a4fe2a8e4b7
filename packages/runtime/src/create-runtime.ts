import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  type Cdn,
  type Clock,
  type Logger,
  type ObjectStore,
  SystemClock,
  TOKENS,
  type UploadSessions,
} from '@stowage/core';
import { Secret } from '@stowage/kit';
import { type ObjectStorage, registerServices, SERVICE_TOKENS, type ServicesConfig } from '@stowage/services';
import { type DependencyContainer, type InjectionToken, container as rootContainer } from 'tsyringe';
import type { Backend, FileServer } from './backend/backend.js';
import { hybridBackend } from './backend/hybrid-backend.js';
import { localBackend } from './backend/local-backend.js';
import { memoryBackend } from './backend/memory-backend.js';
import { preflight } from './backend/preflight.js';
import { s3Backend } from './backend/s3-backend.js';
import { loadOrCreateSigningKey } from './backend/signing-key.js';
import { type LoadConfigOptions, loadRuntimeConfig } from './config/load-config.js';
import type { ParsedRuntimeConfig, StorageMode } from './config/runtime-config.js';
import { type DatabaseChoice, type OpenedDatabase, openDatabase } from './database/open-database.js';
import { createPinoLogger } from './logging/pino-logger.js';

export interface CreateRuntimeOptions extends LoadConfigOptions {
  /**
   * Local and memory modes serve objects (public ones and signed URLs): `listen` (default) on
   * `server.host:server.port` by the runtime itself; `mount` builds only the handler, for an
   * HTTP service to mount at `<server.publicUrl>files/` on its own port.
   */
  files?: 'listen' | 'mount';
  clock?: Clock;
  /** Default: pino to stderr, secrets redacted. */
  logger?: Logger;
  /**
   * Wraps the backend's store before anything uses it: metrics, tracing, or injected faults in
   * tests. The runtime still closes the backend itself.
   */
  decorateStore?: (store: ObjectStore) => ObjectStore;
  /** Settings of the domain services; `dryRun` and `environment` come from the configuration. */
  services?: Omit<ServicesConfig, 'cdn' | 'bucketAdmin'>;
}

/**
 * A configured Stowage: the container holding every port and service for the chosen mode,
 * and the one call that lets it all go.
 */
export interface Runtime {
  /** The settings in force (secrets are `Secret`s: they print as "[redacted]"). */
  readonly config: ParsedRuntimeConfig;
  readonly mode: StorageMode;
  readonly container: DependencyContainer;
  /** The backend's checked store (no retries). Applications use `storage`. */
  readonly store: ObjectStore;
  /** The facade: retries, stall timeout, coalesced reads, read cap, dry run, categories. */
  readonly storage: ObjectStorage;
  readonly cdn: Cdn | null;
  readonly uploadSessions: UploadSessions;
  readonly database: OpenedDatabase;
  /** Local and memory modes' object server. */
  readonly files: FileServer | undefined;
  readonly logger: Logger;
  resolve<T>(token: InjectionToken<T>): T;
  /** Closes servers, the hybrid's background work, SDK sockets and the database, in that order. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Builds the runtime from the configuration file, the environment and `overrides` (see
 * `loadRuntimeConfig`). What it opened is closed again when a later step fails.
 * @throws ConfigInvalid naming each bad or missing setting; what opening the database or
 *   the backend throws (Unavailable, Conflict for a PGlite directory another process holds).
 */
export async function createRuntime(options: CreateRuntimeOptions = {}): Promise<Runtime> {
  const config = loadRuntimeConfig(options);
  const mode = config.mode ?? 'local';
  const clock = options.clock ?? new SystemClock();
  const logger = options.logger ?? createPinoLogger().logger;
  preflight(config, mode);
  const dataDir = resolve(config.dataDir ?? '.stowage');
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    const errors: unknown[] = [];
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  };
  try {
    const database = await openDatabase(databaseChoice(config, mode, dataDir), clock);
    closers.push(() => database.close());
    const context = { config, dataDir, clock, logger, database, files: options.files ?? 'listen' } as const;
    const backend: Backend = await buildBackend(mode, context);
    closers.push(() => backend.close());

    const store = options.decorateStore?.(backend.store) ?? backend.store;
    const container = rootContainer.createChildContainer();
    container.register(TOKENS.Clock, { useValue: clock });
    container.register(TOKENS.Logger, { useValue: logger });
    container.register(TOKENS.ObjectStore, { useValue: store });
    if (backend.cdn !== null) container.register(TOKENS.Cdn, { useValue: backend.cdn });
    if (backend.bucketAdmin.admin !== null)
      container.register(TOKENS.BucketAdmin, { useValue: backend.bucketAdmin.admin });
    container.register(TOKENS.MetadataRepository, { useValue: database.metadata });
    container.register(TOKENS.AuditLog, { useValue: database.audit });
    container.register(TOKENS.JobStateStore, { useValue: database.jobs });
    container.register(TOKENS.Locks, { useValue: database.locks });
    container.register(TOKENS.RolloutState, { useValue: database.rollouts });
    container.register(TOKENS.UploadSessions, { useValue: backend.uploadSessions });
    const services = options.services ?? {};
    // Memory mode keeps nothing, not even a key file: its keys live as long as the process.
    const authSecret =
      config.auth?.secret ??
      (mode === 'memory'
        ? new Secret(randomBytes(32).toString('hex'))
        : await loadOrCreateSigningKey(resolve(dataDir, 'auth.key')));
    if (config.auth?.secret === undefined && database.shared) {
      logger.warn(
        'API keys derive from a secret kept on this machine; set auth.secret (STOWAGE_AUTH_SECRET) on every instance of a fleet',
        {},
      );
    }
    registerServices(container, {
      ...services,
      storage: { ...services.storage, ...(config.dryRun === undefined ? {} : { dryRun: config.dryRun }) },
      keys: {
        ...services.keys,
        ...(config.environment === undefined ? {} : { environment: config.environment }),
      },
      // The service's upload cap is the Uploads service's (explicit service settings win).
      uploads: {
        ...(config.api?.maxUploadBytes === undefined ? {} : { maxBytes: config.api.maxUploadBytes }),
        ...services.uploads,
      },
      cdn: backend.cdn,
      bucketAdmin: backend.bucketAdmin,
      apiKeys: { secret: authSecret },
    });
    const storage = container.resolve<ObjectStorage>(SERVICE_TOKENS.ObjectStorage);
    logger.info('stowage runtime ready', {
      mode,
      database: database.kind,
      dataDir,
      ...(backend.files === undefined ? {} : { files: backend.files.url }),
    });

    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= closeAll().finally(() => container.dispose());
      return closing;
    };
    return {
      config,
      mode,
      container,
      store,
      storage,
      cdn: backend.cdn,
      uploadSessions: backend.uploadSessions,
      database,
      files: backend.files,
      logger,
      resolve: <T>(token: InjectionToken<T>) => container.resolve(token),
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}

function databaseChoice(config: ParsedRuntimeConfig, mode: StorageMode, dataDir: string): DatabaseChoice {
  const db = config.database ?? {};
  if (db.url !== undefined)
    return { kind: 'server', url: db.url, ...(db.poolSize === undefined ? {} : { poolSize: db.poolSize }) };
  const kind = db.kind ?? (mode === 'memory' ? 'memory' : 'embedded');
  return kind === 'embedded'
    ? { kind, dataDir: resolve(db.dataDir ?? resolve(dataDir, 'db')) }
    : { kind: 'memory' };
}

function buildBackend(mode: StorageMode, context: Parameters<typeof localBackend>[0]): Promise<Backend> {
  switch (mode) {
    case 'memory':
      return memoryBackend(context);
    case 'local':
      return localBackend(context);
    case 'hybrid':
      return hybridBackend(context);
    default:
      return s3Backend(context, mode, context.config.s3);
  }
}
