import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isStorageError } from '@stowage/core';
import type { Cli } from '../context.js';
import { DirEndpoint, type Endpoint, pathKind, StoreEndpoint } from '../endpoints.js';
import { CliError, CompletedWithCode, EXIT, usageError } from '../errors.js';
import { humanSize, seconds } from '../format.js';
import { asPrefix, parseLocation, storeBase } from '../locations.js';
import { examples, integer } from '../options.js';
import { throwIfInterrupted, withCli } from '../session.js';
import { syncTrees, verifyTrees } from '../transfer.js';

export function registerSyncCommands(program: CommandUnknownOpts): void {
  program
    .command('sync')
    .description(
      'Make DST hold what SRC holds (directory ↔ store, store ↔ store): copies what is missing or different, by size and sha256',
    )
    .argument('<src>', 'a directory (./dir, /abs), a prefix of the store, or s3://BUCKET/PREFIX')
    .argument('<dst>', 'the same forms')
    .option('--delete', 'also delete what is in DST but not in SRC')
    .option('-n, --dry-run', 'show what would be done, change nothing')
    .option(
      '-c, --checksum',
      'hash objects that have no recorded sha256 too (reads them), instead of trusting equal sizes',
    )
    .option('-j, --concurrency <n>', 'transfers and comparisons in flight at once', integer(1, 256), 16)
    .addHelpText(
      'after',
      `${examples([
        'stowage sync ./site www/                        # upload what changed',
        'stowage sync www/ ./site --delete               # mirror down, removing local extras',
        'stowage sync s3://old-bucket s3://new-bucket -j 32',
        'stowage sync ./data data/ --dry-run --json | jq .planned',
      ])}
Equal sizes are compared by sha256 wherever one is known: the sha256 a store recorded at write
time, and local files (hashed). Every object is written whole (atomically), so an interrupted
sync leaves no partial object; run it again to resume — it transfers only what is still missing
or different.
`,
    )
    .action(async (srcText, dstText, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const started = process.hrtime.bigint();
        const src = await endpointFor(cli, srcText, true);
        const dst = await endpointFor(cli, dstText, false);
        const dryRun = opts.dryRun === true;
        const progress = cli.progress('sync', 'bytes');
        let report: Awaited<ReturnType<typeof syncTrees>>;
        try {
          report = await syncTrees(src, dst, {
            compare: true,
            delete: opts.delete === true,
            dryRun,
            checksum: opts.checksum === true,
            concurrency: opts.concurrency,
            signal: cli.signal,
            progress,
            onAction: (action, key, bytes) => {
              const what = dryRun ? `(dry run) would ${action}` : action;
              cli.say(
                action === 'delete'
                  ? `${what}: ${dst.display(key)}`
                  : `${what}: ${src.display(key)} → ${dst.display(key)} (${humanSize(bytes)})`,
              );
            },
            onFailure: (key, error) =>
              cli.warn(
                `${key}: ${isStorageError(error) ? `${error.kind}: ` : ''}${(error as Error).message}`,
              ),
          });
        } finally {
          progress.stop();
        }
        throwIfInterrupted(
          cli.signal,
          'run the same sync again to resume: it transfers only what is still missing or different',
        );
        const took = seconds(started);
        if (cli.json) {
          cli.document({ source: srcText, destination: dstText, dryRun, ...report, seconds: took });
        } else if (!cli.quiet) {
          cli.line(
            `sync: ${report.copied} copied, ${report.updated} updated, ${report.deleted} deleted, ${report.unchanged} unchanged, ${report.failed.length} failed; ${humanSize(report.bytes)} in ${took} s${dryRun ? ' (dry run)' : ''}`,
          );
        }
        if (report.failed.length > 0) throw new CompletedWithCode(EXIT.failed);
      }),
    );

  program
    .command('verify')
    .description(
      'Compare two stores (or a store and a directory) key by key, by size and sha256; exit 4 on any difference',
    )
    .argument('<a>', 'a prefix of the store, s3://BUCKET/PREFIX, or a directory')
    .argument('<b>', 'the same forms')
    .option('-j, --concurrency <n>', 'comparisons in flight at once', integer(1, 256), 16)
    .addHelpText(
      'after',
      `${examples([
        'stowage verify ./site www/',
        'stowage verify s3://old-bucket s3://new-bucket --json > report.json || echo "differences: see report.json"',
      ])}
Reports keys missing from B, extra in B, and differing (size, or sha256: the recorded one where a
store has it, otherwise computed from the bytes). Exit 0: identical; 4: differences found;
1: some objects could not be read.
`,
    )
    .action(async (aText, bText, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const started = process.hrtime.bigint();
        const a = await endpointFor(cli, aText, true);
        const b = await endpointFor(cli, bText, true);
        const progress = cli.progress('verify');
        let report: Awaited<ReturnType<typeof verifyTrees>>;
        try {
          report = await verifyTrees(a, b, { concurrency: opts.concurrency, signal: cli.signal, progress });
        } finally {
          progress.stop();
        }
        throwIfInterrupted(cli.signal);
        const differences = report.missing.length + report.extra.length + report.differing.length;
        if (cli.json) {
          cli.document({
            a: aText,
            b: bText,
            identical: differences === 0 && report.failed.length === 0,
            ...report,
            seconds: seconds(started),
          });
        } else {
          for (const key of report.missing) cli.line(`missing in b: ${key}`);
          for (const key of report.extra) cli.line(`extra in b:   ${key}`);
          for (const d of report.differing) cli.line(`differs (${d.reason}): ${d.key}  a=${d.a} b=${d.b}`);
          for (const f of report.failed) cli.warn(`could not compare ${f.key}: ${f.kind}: ${f.message}`);
          cli.line(
            `verify: ${report.compared + report.missing.length + report.extra.length} keys, ${report.matching} matching, ${report.missing.length} missing, ${report.extra.length} extra, ${report.differing.length} differing, ${report.failed.length} unreadable`,
          );
        }
        if (differences > 0) throw new CompletedWithCode(EXIT.differences);
        if (report.failed.length > 0) throw new CompletedWithCode(EXIT.failed);
      }),
    );
}

/** A tree endpoint for sync/verify: both arguments are roots (their contents are compared). */
async function endpointFor(cli: Cli, text: string, mustExist: boolean): Promise<Endpoint> {
  const location = parseLocation(text);
  if (location.kind === 'stdio')
    throw usageError('sync and verify work on directories and stores, not stdin/stdout');
  if (location.kind === 'path') {
    const kind = await pathKind(location.path);
    if (kind === 'file') throw usageError(`${location.path} is a file; sync and verify compare directories`);
    if (kind === undefined && mustExist) {
      throw new CliError('NotFound', `No such directory: ${location.path}`, EXIT.notFound);
    }
    return new DirEndpoint(location.path, location.path, (t) => cli.warn(t));
  }
  const store = await cli.storeFor(location);
  return new StoreEndpoint(store, asPrefix(location.key), storeBase(location));
}
