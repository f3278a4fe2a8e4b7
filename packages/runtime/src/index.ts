// tsyringe reads constructor parameter types through reflect-metadata: imported once, here.
import 'reflect-metadata';

export type { Backend, FileServer } from './backend/backend.js';
export { FILES_PATH, publicBaseUrl } from './backend/file-server-address.js';
export { loadOrCreateSigningKey } from './backend/signing-key.js';
export { configFromEnv, ENV_SETTINGS, mergeConfig } from './config/from-env.js';
export { type LoadConfigOptions, loadRuntimeConfig } from './config/load-config.js';
export * from './config/runtime-config.js';
export { settingsTable } from './config/settings-table.js';
export { type CreateRuntimeOptions, createRuntime, type Runtime } from './create-runtime.js';
export type { DatabaseChoice, OpenedDatabase } from './database/open-database.js';
export { createPinoLogger, PinoLogger, REDACTED_LOG_PATHS } from './logging/pino-logger.js';
