import { resolve } from 'node:path';
import { type CommandUnknownOpts, Option } from '@commander-js/extra-typings';
import type { PostgresConfig } from '@stowage/postgres';
import type { ApiKey, ApiKeys, ApiScope, BucketIndexer } from '@stowage/services';
import type { Cli } from '../context.js';
import { CliError, EXIT, usageError } from '../errors.js';
import { humanSize, seconds, table, timeText } from '../format.js';
import { examples } from '../options.js';
import { throwIfInterrupted, withCli } from '../session.js';

export function registerAdminCommands(program: CommandUnknownOpts): void {
  program
    .command('index')
    .description('Index the store into the metadata database, with totals by category (resumable)')
    .argument('[prefix]', 'only keys under this prefix', '')
    .option(
      '--job <id>',
      'names the checkpoint; a run with the same id resumes an interrupted one (default: index:<prefix>)',
    )
    .addHelpText(
      'after',
      `${examples(['stowage index', 'stowage index photos/ --json | jq .aggregate'])}
New and changed objects are upserted, records of objects that are gone are soft-deleted, so
running it again converges. The first key segment is the category.
`,
    )
    .action(async (prefix, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const started = process.hrtime.bigint();
        const runtime = await cli.withDatabase();
        const { SERVICE_TOKENS } = await import('@stowage/services');
        const indexer = runtime.resolve<BucketIndexer>(SERVICE_TOKENS.BucketIndexer);
        const progress = cli.progress('index');
        let seen = 0;
        let report: Awaited<ReturnType<BucketIndexer['run']>>;
        try {
          report = await indexer.run({
            prefix,
            ...(opts.job === undefined ? {} : { jobId: opts.job }),
            signal: cli.signal,
            onProgress: (p) => {
              const total = p.listed + p.softDeleted;
              progress.addTotal(total - seen);
              progress.advance(total - seen);
              progress.note({ upserted: p.upserted, unchanged: p.unchanged });
              seen = total;
            },
          });
        } finally {
          progress.stop();
        }
        throwIfInterrupted(
          cli.signal,
          `run "stowage index${prefix === '' ? '' : ` ${prefix}`}${opts.job === undefined ? '' : ` --job ${opts.job}`}" again to resume from its checkpoint`,
        );
        if (cli.json) {
          cli.document({ ...report, database: runtime.database.kind, seconds: seconds(started) });
          return;
        }
        cli.line(
          `index: ${report.listed} listed, ${report.upserted} upserted, ${report.unchanged} unchanged, ${report.softDeleted} soft-deleted, ${report.skipped} skipped${report.resumedFrom === undefined ? '' : ` (resumed after ${report.resumedFrom})`}`,
        );
        const rows = Object.entries(report.aggregate.byCategory).map(([category, a]) => [
          category,
          String(a.count),
          humanSize(a.totalSize),
        ]);
        rows.push(['total', String(report.aggregate.count), humanSize(report.aggregate.totalSize)]);
        for (const line of table([['category', 'objects', 'size'], ...rows], new Set([1, 2]))) cli.line(line);
      }),
    );

  const keys = program
    .command('keys')
    .description('API keys of the HTTP service (and S3 gateway): create, list, revoke')
    .addHelpText(
      'after',
      `${examples([
        'stowage keys create ci-uploader --scope read,write',
        'stowage keys ls',
        'stowage keys revoke sk_0123456789abcdef0123',
      ])}
Keys live in the database, so every service instance on it sees a new or revoked key. Their
secrets are derived from auth.secret (STOWAGE_AUTH_SECRET): run this with the same secret as
the service, or the token it prints will not be accepted.
`,
    );

  keys
    .command('create')
    .description('Create a key; its token is shown once')
    .argument('<name>', 'what the key is for')
    .addOption(new Option('-s, --scope <scopes>', 'comma-separated: read, write, admin').default('read'))
    .action(async (name, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const scopes = opts.scope
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '') as ApiScope[];
        const service = await apiKeys(cli);
        const key = await service.create(name, scopes);
        if (cli.json) {
          cli.document({ ...keyJson(key), secret: key.secret, token: key.token });
          return;
        }
        cli.line(key.token);
        cli.say(`created key ${key.id} (${key.scopes.join(', ')}); the token above is shown only now`, true);
      }),
    );

  keys
    .command('ls')
    .description('List keys (never their secrets), revoked ones included')
    .action(async (_opts, cmd) =>
      withCli(cmd, async (cli) => {
        const service = await apiKeys(cli);
        const rows: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await service.list(cursor === undefined ? {} : { cursor });
          for (const key of page.items) {
            if (cli.json) cli.entry(keyJson(key));
            else
              rows.push([
                key.id,
                key.name,
                key.scopes.join(','),
                timeText(key.createdAt),
                key.revokedAt === undefined ? 'active' : `revoked ${timeText(key.revokedAt)}`,
              ]);
          }
          cursor = page.cursor;
        } while (cursor !== undefined);
        if (!cli.json && rows.length > 0)
          for (const line of table([['id', 'name', 'scopes', 'created', 'state'], ...rows])) cli.line(line);
      }),
    );

  keys
    .command('revoke')
    .description('Revoke a key: every instance refuses it from then on')
    .argument('<id>', 'the key id (sk_…)')
    .action(async (id, _opts, cmd) =>
      withCli(cmd, async (cli) => {
        const service = await apiKeys(cli);
        if ((await service.find(id)) === null) {
          throw new CliError('NotFound', `No active key ${id}`, EXIT.notFound, 'see "stowage keys ls"');
        }
        await service.revoke(id);
        if (cli.json) cli.document({ revoked: id });
        else cli.say(`revoked ${id}`);
      }),
    );

  const db = program
    .command('db')
    .description('The metadata database (PostgreSQL, or PGlite in the data directory): migrations')
    .addHelpText(
      'after',
      examples(['stowage db status', 'STOWAGE_DATABASE_URL=postgres://… stowage db migrate']),
    );

  db.command('status')
    .description('Show applied and pending migrations (changes nothing)')
    .action(async (_opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { PostgresDatabase, bundledMigrations } = await import('@stowage/postgres');
        const target = await databaseTarget(cli);
        const database = await PostgresDatabase.open({ ...target.config, migrate: false });
        try {
          let applied: Array<{ version: number; name: string; applied_at: Date }> = [];
          const exists = await database.query<{ present: boolean }>(
            'status',
            "SELECT to_regclass('stowage_migrations') IS NOT NULL AS present",
          );
          if (exists.rows[0]?.present) {
            applied = (
              await database.query<{ version: number; name: string; applied_at: Date }>(
                'status',
                'SELECT version, name, applied_at FROM stowage_migrations ORDER BY version',
              )
            ).rows;
          }
          const done = new Set(applied.map((m) => Number(m.version)));
          const pending = bundledMigrations()
            .filter((m) => !done.has(m.version))
            .map((m) => ({ version: m.version, name: m.name }));
          const doc = {
            database: target.describe,
            applied: applied.map((m) => ({
              version: Number(m.version),
              name: m.name,
              appliedAt: new Date(m.applied_at).toISOString(),
            })),
            pending,
            upToDate: pending.length === 0,
          };
          if (cli.json) cli.document(doc);
          else {
            cli.line(`database: ${target.describe}`);
            for (const m of doc.applied)
              cli.line(`  applied  ${String(m.version).padStart(3, '0')}_${m.name}  ${m.appliedAt}`);
            for (const m of pending) cli.line(`  pending  ${String(m.version).padStart(3, '0')}_${m.name}`);
            cli.line(
              pending.length === 0 ? 'up to date' : `${pending.length} pending: run "stowage db migrate"`,
            );
          }
        } finally {
          await database.close();
        }
      }),
    );

  db.command('migrate')
    .description('Apply pending migrations (safe to run from several processes at once)')
    .action(async (_opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { PostgresDatabase } = await import('@stowage/postgres');
        const target = await databaseTarget(cli);
        const database = await PostgresDatabase.open({ ...target.config, migrate: true });
        try {
          const applied = database.migrations.applied.map((m) => ({ version: m.version, name: m.name }));
          if (cli.json)
            cli.document({ database: target.describe, applied, alreadyApplied: database.migrations.current });
          else {
            for (const m of applied) cli.line(`applied ${String(m.version).padStart(3, '0')}_${m.name}`);
            cli.line(
              applied.length === 0
                ? `up to date (${database.migrations.current} migrations applied before)`
                : `${applied.length} migration${applied.length === 1 ? '' : 's'} applied`,
            );
          }
        } finally {
          await database.close();
        }
      }),
    );
}

async function apiKeys(cli: Cli): Promise<ApiKeys> {
  const runtime = await cli.withDatabase();
  const { SERVICE_TOKENS } = await import('@stowage/services');
  return runtime.resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys);
}

function keyJson(key: ApiKey): Record<string, unknown> {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    revokedAt: key.revokedAt?.toISOString() ?? null,
  };
}

/** The database the runtime would open, as the postgres package's settings. */
async function databaseTarget(cli: Cli): Promise<{ config: PostgresConfig; describe: string }> {
  const config = await cli.config();
  const db = config.database ?? {};
  if (db.url !== undefined) return { config: { url: db.url }, describe: 'postgresql (database.url)' };
  const mode = config.mode ?? 'local';
  const kind = db.kind ?? (mode === 'memory' ? 'memory' : 'embedded');
  if (kind === 'memory') {
    throw usageError(
      'The database is in memory (nothing to migrate)',
      'set database.url (STOWAGE_DATABASE_URL) for PostgreSQL, or use a mode with a data directory',
    );
  }
  const dataDir = resolve(db.dataDir ?? resolve(config.dataDir ?? '.stowage', 'db'));
  return { config: { dataDir }, describe: `pglite ${dataDir}` };
}
