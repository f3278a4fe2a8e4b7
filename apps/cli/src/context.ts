import { randomBytes } from 'node:crypto';
import type { LogFields, Logger } from '@stowage/core';
import type { ParsedRuntimeConfig, Runtime, RuntimeConfig } from '@stowage/runtime';
import type { ObjectStorage } from '@stowage/services';
import { usageError } from './errors.js';
import type { StoreLocation, StoreScheme } from './locations.js';
import { createProgress, type Progress, type ProgressMode } from './progress.js';

/** Options every command accepts (before or after the command name). */
export interface GlobalOptions {
  config?: string;
  mode?: string;
  dataDir?: string;
  bucket?: string;
  endpoint?: string;
  region?: string;
  databaseUrl?: string;
  rollout?: string;
  json?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  progress?: ProgressMode;
}

/** A store a command works on, with the runtime that owns it. */
export interface OpenStore {
  storage: ObjectStorage;
  runtime: Runtime;
  /** `s3://bucket` or `configured store`: for messages. */
  label: string;
  /** Same id: same store (server-side copies are possible). */
  id: string;
}

/**
 * What a command runs with: parsed global options, the configuration (file, then environment,
 * then flags), runtimes opened on demand and closed at the end, the interrupt signal, and
 * output (data to stdout, everything else to stderr).
 */
export class Cli {
  readonly json: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  readonly progressMode: ProgressMode;
  private parsed: ParsedRuntimeConfig | undefined;
  private readonly runtimes = new Map<string, Promise<Runtime>>();
  private readonly ephemeralSecret = randomBytes(24).toString('hex');

  constructor(
    readonly globals: GlobalOptions,
    readonly signal: AbortSignal,
  ) {
    this.json = globals.json === true;
    this.verbose = globals.verbose === true;
    this.quiet = globals.quiet === true;
    this.progressMode = globals.progress ?? 'auto';
  }

  // ------------------------------------------------------------------ output

  /** Data: one line to stdout. */
  line(text: string): void {
    process.stdout.write(`${text}\n`);
  }

  /** `--json`: the command's one document. */
  document(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** `--json`: one entry of a stream (NDJSON). */
  entry(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  /** What was done, for people (stdout unless `toStderr`, e.g. when stdout carries object bytes). */
  say(text: string, toStderr = false): void {
    if (this.json || this.quiet) return;
    (toStderr ? process.stderr : process.stdout).write(`${text}\n`);
  }

  warn(text: string): void {
    process.stderr.write(`stowage: warning: ${text}\n`);
  }

  progress(label: string, unit: 'items' | 'bytes' = 'items'): Progress {
    return createProgress(
      this.quiet && this.progressMode === 'auto' ? 'none' : this.progressMode,
      label,
      unit,
    );
  }

  // ------------------------------------------------------------------ configuration

  /** The settings in force: the file (`--config` or STOWAGE_CONFIG), the environment, then flags. */
  async config(): Promise<ParsedRuntimeConfig> {
    if (this.parsed !== undefined) return this.parsed;
    const { loadRuntimeConfig } = await import('@stowage/runtime');
    this.parsed = loadRuntimeConfig({
      ...(this.globals.config === undefined ? {} : { file: this.globals.config }),
      env: process.env,
      overrides: this.flagOverrides(),
    });
    return this.parsed;
  }

  async mode(): Promise<string> {
    return (await this.config()).mode ?? 'local';
  }

  private flagOverrides(): RuntimeConfig {
    const g = this.globals;
    const overrides: RuntimeConfig = {};
    if (g.mode !== undefined) overrides.mode = g.mode as RuntimeConfig['mode'];
    if (g.dataDir !== undefined) overrides.dataDir = g.dataDir;
    const s3: NonNullable<RuntimeConfig['s3']> = {};
    if (g.bucket !== undefined) s3.bucket = g.bucket;
    if (g.endpoint !== undefined) s3.endpoint = g.endpoint;
    if (g.region !== undefined) s3.region = g.region;
    if (Object.keys(s3).length > 0) overrides.s3 = s3;
    if (g.databaseUrl !== undefined) overrides.database = { url: g.databaseUrl };
    if (g.rollout !== undefined) overrides.hybrid = { rollout: g.rollout };
    return overrides;
  }

  // ------------------------------------------------------------------ runtimes

  /**
   * The configured store's runtime. Object commands need no database except in hybrid mode
   * (stale-copy records and the shared rollout live there), so elsewhere they run without one:
   * no PGlite lock, so two commands can share a data directory (`stowage cat a | stowage put - b`).
   */
  async objects(): Promise<OpenStore> {
    const config = await this.config();
    const needsDatabase = (config.mode ?? 'local') === 'hybrid';
    const runtime = await this.runtime('objects', () =>
      needsDatabase ? config : this.withoutDatabase(config as RuntimeConfig),
    );
    return { storage: runtime.storage, runtime, label: 'the configured store', id: 'default' };
  }

  /** The configured runtime with its database (index, keys, rollout, migrate). */
  async withDatabase(): Promise<Runtime> {
    const config = await this.config();
    // Object commands in hybrid mode already opened it with the database.
    if ((config.mode ?? 'local') === 'hybrid' && this.runtimes.has('objects'))
      return this.runtime('objects', () => config);
    return this.runtime('database', () => config);
  }

  /** The store a location names: the configured one, or another bucket on the S3 connection. */
  async storeFor(location: StoreLocation): Promise<OpenStore> {
    if (location.scheme === 'default') return this.objects();
    const config = await this.config();
    const mode = this.s3ModeFor(location.scheme, config);
    const id = `${mode}://${location.bucket}`;
    const s3 = config.s3 ?? config.hybrid?.toS3 ?? config.hybrid?.fromS3 ?? {};
    const runtime = await this.runtime(id, () =>
      this.withoutDatabase({ ...(config as RuntimeConfig), mode, s3: { ...s3, bucket: location.bucket! } }),
    );
    return { storage: runtime.storage, runtime, label: `${location.scheme}://${location.bucket}`, id };
  }

  private s3ModeFor(scheme: StoreScheme, config: ParsedRuntimeConfig): 's3' | 'seaweedfs' | 'spaces' {
    if (scheme !== 's3') return scheme;
    const mode = config.mode ?? 'local';
    if (mode === 'seaweedfs' || mode === 'spaces' || mode === 's3') return mode;
    if (mode === 'hybrid') {
      const to = config.hybrid?.to ?? 's3';
      if (to === 'seaweedfs' || to === 'spaces' || to === 's3') return to;
      const from = config.hybrid?.from ?? 'local';
      if (from === 'seaweedfs' || from === 'spaces' || from === 's3') return from;
    }
    return 's3';
  }

  private withoutDatabase(config: RuntimeConfig): RuntimeConfig {
    const { database: _database, ...rest } = config;
    // Object commands use no API keys: a throwaway secret, so no auth.key file is made.
    return {
      ...rest,
      database: { kind: 'memory' },
      auth: { secret: config.auth?.secret ?? this.ephemeralSecret },
    };
  }

  private runtime(id: string, config: () => RuntimeConfig | ParsedRuntimeConfig): Promise<Runtime> {
    let opening = this.runtimes.get(id);
    if (opening === undefined) {
      opening = (async () => {
        const { createRuntime } = await import('@stowage/runtime');
        return createRuntime({
          env: {},
          overrides: config() as RuntimeConfig,
          files: 'mount',
          logger: new CliLogger(this.verbose),
        });
      })();
      this.runtimes.set(id, opening);
    }
    return opening;
  }

  /** Closes every runtime opened (sockets, database, background work). */
  async close(): Promise<void> {
    const all = [...this.runtimes.values()];
    this.runtimes.clear();
    await Promise.allSettled(all.map(async (opening) => (await opening).close()));
  }

  /** Fails with a usage error unless the configured mode is one of `modes`. */
  async requireMode(modes: readonly string[], command: string): Promise<void> {
    const mode = await this.mode();
    if (!modes.includes(mode)) {
      throw usageError(
        `${command} needs ${modes.join(' or ')} mode; the configured mode is ${mode}`,
        'set mode (STOWAGE_MODE or STORAGE_MODE, or --mode)',
      );
    }
  }
}

/** The runtime's log: warnings and errors as plain lines on stderr; the rest with --verbose. */
export class CliLogger implements Logger {
  constructor(
    private readonly verbose: boolean,
    private readonly bindings: LogFields = {},
  ) {}
  debug(msg: string, fields?: LogFields): void {
    if (this.verbose) this.write('debug', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    if (this.verbose) this.write('info', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.write('warning', msg, fields);
  }
  error(msg: string, fields?: LogFields): void {
    this.write('error', msg, fields);
  }
  child(bindings: LogFields): Logger {
    return new CliLogger(this.verbose, { ...this.bindings, ...bindings });
  }
  private write(level: string, msg: string, fields?: LogFields): void {
    const all = { ...this.bindings, ...fields };
    const extra = Object.keys(all).length === 0 ? '' : ` ${safeJson(all)}`;
    process.stderr.write(`stowage: ${level}: ${msg}${extra}\n`);
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? `${v.name}: ${v.message}` : v));
  } catch {
    return '';
  }
}
