import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isCommonPrefix, isStorageError } from '@stowage/core';
import type { HybridObjectStore, MigrationReport } from '@stowage/hybrid';
import type { Cli } from '../context.js';
import { CompletedWithCode, EXIT, Interrupted } from '../errors.js';
import { humanSize, seconds, table } from '../format.js';
import { examples, integer } from '../options.js';
import { withCli } from '../session.js';

async function rolloutName(cli: Cli): Promise<string> {
  return (await cli.config()).hybrid?.rollout ?? 'default';
}

export function registerRolloutCommands(program: CommandUnknownOpts): void {
  const rollout = program
    .command('rollout')
    .description("The hybrid rollout's shared percentage: every process on the same database follows it")
    .addHelpText(
      'after',
      `${examples([
        'stowage rollout status',
        'stowage rollout set 10        # 10% of keys route to hybrid.to; then: stowage migrate',
        'stowage rollout set 0         # roll back; stowage migrate moves keys back',
      ])}
The percentage lives in the database (table of rollouts, LISTEN/NOTIFY with polling): service
instances and other CLI runs using the same database.url follow a change within about a second.
With the embedded PGlite database only processes on this data directory share it.
`,
    );

  rollout
    .command('status')
    .description('Show the percentage, its version and where it lives')
    .action(async (_opts, cmd) =>
      withCli(cmd, async (cli) => {
        const name = await rolloutName(cli);
        const runtime = await cli.withDatabase();
        const snapshot = await runtime.database.rollouts.get(name);
        const config = runtime.config;
        const doc = {
          rollout: name,
          percentage: snapshot?.percentage ?? config.hybrid?.percentage ?? 0,
          version: snapshot?.version ?? 0,
          updatedAt: snapshot?.updatedAt.toISOString() ?? null,
          set: snapshot !== null,
          mode: runtime.mode,
          ...(runtime.mode === 'hybrid'
            ? { from: config.hybrid?.from ?? 'local', to: config.hybrid?.to ?? 's3' }
            : {}),
          database: runtime.database.kind,
          shared: runtime.database.shared,
        };
        if (cli.json) {
          cli.document(doc);
          return;
        }
        cli.line(
          `rollout ${name}: ${doc.percentage}% to ${'to' in doc ? doc.to : 'hybrid.to'}${snapshot === null ? ' (never set: the configured percentage)' : ` (version ${doc.version}, set ${doc.updatedAt})`}`,
        );
        cli.line(
          `database: ${doc.database}${doc.shared ? ' (shared: every process on it follows)' : ' (this machine only)'}`,
        );
      }),
    );

  rollout
    .command('set')
    .description('Set the percentage of keys routed to hybrid.to (0–100)')
    .argument('<percentage>', 'a whole number from 0 to 100', integer(0, 100))
    .option(
      '--expect-version <n>',
      'only if the rollout is at this version (compare-and-swap; 0: never set)',
      integer(0, Number.MAX_SAFE_INTEGER),
    )
    .action(async (percentage, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const name = await rolloutName(cli);
        const runtime = await cli.withDatabase();
        const before = await runtime.database.rollouts.get(name);
        const snapshot = await runtime.database.rollouts.set(
          name,
          percentage,
          opts.expectVersion === undefined ? {} : { expectedVersion: opts.expectVersion },
        );
        if (!runtime.database.shared) {
          cli.warn(
            "the database is this machine's own (PGlite or memory): only processes on this data directory follow; set database.url (STOWAGE_DATABASE_URL) for a fleet",
          );
        }
        const doc = {
          rollout: name,
          percentage: snapshot.percentage,
          previous: before?.percentage ?? null,
          version: snapshot.version,
          updatedAt: snapshot.updatedAt.toISOString(),
          database: runtime.database.kind,
          shared: runtime.database.shared,
        };
        if (cli.json) cli.document(doc);
        else {
          cli.line(
            `rollout ${name}: ${before === null ? '' : `${before.percentage}% → `}${snapshot.percentage}% (version ${snapshot.version})`,
          );
          if (before === null || before.percentage !== snapshot.percentage) {
            cli.say(
              'keys already stored stay where they are until "stowage migrate" moves them (reads find them meanwhile)',
            );
          }
        }
      }),
    );

  program
    .command('migrate')
    .description(
      'Move keys to the side the rollout routes them to, verified by sha256 (hybrid mode; resumable)',
    )
    .option('-j, --concurrency <n>', 'keys moved at once', integer(1, 256), 4)
    .option('-n, --dry-run', 'count and list what would move, change nothing')
    .option(
      '--job <id>',
      'names the checkpoint: a run with the same id resumes an interrupted one',
      'default',
    )
    .option('--prefix <prefix>', 'only keys under this prefix')
    .option(
      '--checkpoint-every <n>',
      'save the checkpoint after this many finished keys',
      integer(1, 1_000_000),
      100,
    )
    .addHelpText(
      'after',
      `${examples([
        'stowage rollout set 25 && stowage migrate',
        'stowage migrate --dry-run --json | jq .wouldMove',
        'stowage migrate --job weekend-run -j 16',
      ])}
Each key is copied to its routed side through a sha256 hasher, re-read and compared there, and
only then removed from the other side. The position is checkpointed in the database: after
Ctrl-C, a crash or kill -9, run the same command again (same --job) and it resumes; keys moved
after the last checkpoint are found in place, not copied again. Ends with a report.
`,
    )
    .action(async (opts, cmd) =>
      withCli(cmd, async (cli) => {
        await cli.requireMode(['hybrid'], 'migrate');
        const started = process.hrtime.bigint();
        const runtime = await cli.withDatabase();
        const { Migrator, MIGRATION_JOB_KIND } = await import('@stowage/hybrid');
        const store = runtime.store as HybridObjectStore;
        const jobs = runtime.database.jobs;
        const saved = await jobs.get<{ done?: boolean; report?: Partial<MigrationReport> }>(
          MIGRATION_JOB_KIND,
          opts.job,
        );
        const previous = saved !== null && saved.data?.done !== true ? saved.data?.report : undefined;
        const progress = cli.progress('migrate');
        if (
          cli.progressMode === 'bar' ||
          (cli.progressMode === 'auto' && process.stderr.isTTY && !cli.quiet)
        ) {
          // The bar's total: distinct keys on both sides (a listing, no reads).
          let total = 0;
          for await (const entry of store.list({
            ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
            signal: cli.signal,
          }))
            if (!isCommonPrefix(entry)) total++;
          progress.addTotal(total);
        }
        let scanned = 0;
        let bytes = 0;
        const migrator = new Migrator({
          store,
          jobs,
          concurrency: opts.concurrency,
          dryRun: opts.dryRun === true,
          jobId: opts.job,
          signal: cli.signal,
          checkpointEvery: opts.checkpointEvery,
          ...(opts.prefix === undefined ? {} : { prefix: opts.prefix }),
          onProgress: (p) => {
            progress.advance(Math.max(0, p.scanned - scanned), Math.max(0, p.bytes - bytes));
            scanned = Math.max(scanned, p.scanned);
            bytes = Math.max(bytes, p.bytes);
            progress.note({
              moved: p.moved,
              skipped: p.skipped,
              failed: p.failed.length,
              percentage: p.percentage,
            });
          },
        });
        if (opts.dryRun)
          migrator.on('progress', (p: { key: string; outcome: string }) => {
            if (p.outcome === 'would-move') cli.say(`(dry run) would move: ${p.key}`);
          });
        let report: MigrationReport;
        try {
          report = await migrator.run();
        } catch (error) {
          if (cli.signal.aborted || isStorageError(error, 'Aborted')) {
            const partial = migrator.report;
            if (!cli.json)
              cli.say(
                `interrupted: ${partial.moved} moved, ${partial.scanned} scanned; checkpoint saved`,
                true,
              );
            const interrupted =
              cli.signal.reason instanceof Interrupted ? cli.signal.reason : new Interrupted('SIGINT');
            interrupted.hint = `run "stowage migrate${opts.job === 'default' ? '' : ` --job ${opts.job}`}" again to resume from the checkpoint`;
            throw interrupted;
          }
          throw error;
        } finally {
          progress.stop();
        }
        const thisRun =
          previous === undefined || report.resumedAfter === undefined
            ? undefined
            : {
                moved: report.moved - (previous.moved ?? 0),
                verified: report.verified - (previous.verified ?? 0),
                skipped: report.skipped - (previous.skipped ?? 0),
                bytes: report.bytes - (previous.bytes ?? 0),
              };
        const took = seconds(started);
        if (cli.json) {
          cli.document({ ...report, ...(thisRun === undefined ? {} : { thisRun }), seconds: took });
        } else {
          const rows: string[][] = [
            ['rollout', `${report.percentage}% to hybrid.to${report.dryRun ? ' (dry run)' : ''}`],
            ['scanned', String(report.scanned)],
            [report.dryRun ? 'would move' : 'moved', String(report.dryRun ? report.wouldMove : report.moved)],
            ['verified (sha256)', String(report.verified)],
            ['skipped', String(report.skipped)],
            ['stale copies cleaned', String(report.cleaned)],
            ['bytes', humanSize(report.bytes)],
            ['failed', String(report.failed.length)],
            ['passes', String(report.passes)],
          ];
          if (report.resumedAfter !== undefined) rows.push(['resumed after', report.resumedAfter]);
          if (thisRun !== undefined) rows.push(['moved by this run', String(thisRun.moved)]);
          rows.push(['time', `${took} s`]);
          for (const line of table(rows)) cli.line(line);
          for (const f of report.failed.slice(0, 20)) cli.warn(`failed: ${f.key}: ${f.reason}`);
        }
        if (report.failed.length > 0) throw new CompletedWithCode(EXIT.failed);
      }),
    );
}
