import { readFileSync } from 'node:fs';
import { Command, type CommandUnknownOpts, Option } from '@commander-js/extra-typings';
import { registerAdminCommands } from './commands/admin.js';
import { registerBucketCommands } from './commands/buckets.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerObjectCommands } from './commands/objects.js';
import { registerRolloutCommands } from './commands/rollout.js';
import { registerSyncCommands } from './commands/sync.js';

const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const MAIN_HELP = `
Configuration (the same as the service's): a JSON file (--config or STOWAGE_CONFIG), then the
environment (STOWAGE_MODE / STORAGE_MODE, S3_BUCKET, S3_ENDPOINT, STOWAGE_DATABASE_URL, …),
then the flags above. Modes: local (default, files under ./.stowage), memory, s3, spaces,
seaweedfs, hybrid.

Naming things:
  photos/cat.jpg, photos/      a key or prefix in the configured store
  s3://BUCKET/PREFIX           another bucket on the configured S3 connection
                               (seaweedfs://… and spaces://… pick that provider's profile)
  ./file, ../dir, /abs/path    files and directories on this machine
  -                            stdin or stdout

Examples:
  stowage put ./site www/                      upload a directory
  stowage ls -lH www/                          list with sizes
  stowage cat www/index.html | head            stream an object
  stowage sync ./site www/ --delete            upload only what changed, drop the rest
  stowage verify ./site www/                   exit 4 if anything differs
  STOWAGE_MODE=seaweedfs S3_BUCKET=media S3_ENDPOINT=http://127.0.0.1:8333 stowage ls
  stowage rollout set 25 && stowage migrate    move a quarter of the keys, verified

Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 differences (verify), 5 retryable
(backend unavailable), 130 interrupted.
`;

export function buildProgram(): CommandUnknownOpts {
  const program = new Command()
    .name('stowage')
    .description('One command for every Stowage backend: objects, sync, buckets, rollouts, migrations, keys.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'JSON configuration file (default: STOWAGE_CONFIG)')
    .option(
      '--mode <mode>',
      'memory, local, s3, spaces, seaweedfs or hybrid (default: STOWAGE_MODE, else local)',
    )
    .option('--data-dir <dir>', 'local mode data directory (default: STOWAGE_DATA_DIR, else ./.stowage)')
    .option('--bucket <name>', 's3.bucket (default: STOWAGE_S3_BUCKET / S3_BUCKET)')
    .option('--endpoint <url>', 's3.endpoint (default: STOWAGE_S3_ENDPOINT / S3_ENDPOINT)')
    .option('--region <region>', 's3.region (default: STOWAGE_S3_REGION / S3_REGION / AWS_REGION)')
    .option('--database-url <url>', 'PostgreSQL URL (default: STOWAGE_DATABASE_URL / DATABASE_URL)')
    .option('--rollout <name>', 'hybrid rollout name (default: STOWAGE_ROLLOUT, else "default")')
    .option('--json', 'machine-readable output: one JSON document, or NDJSON for listings')
    .addOption(
      new Option(
        '--progress <mode>',
        'progress on stderr: auto (a bar when stderr is a terminal), none, or ndjson',
      )
        .choices(['auto', 'bar', 'none', 'ndjson'] as const)
        .default('auto' as const),
    )
    .option('-q, --quiet', 'print only data and errors')
    .option('-v, --verbose', 'log what the runtime does, and show stack traces of errors')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', MAIN_HELP)
    .enablePositionalOptions(false);
  program.configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  registerObjectCommands(program);
  registerSyncCommands(program);
  registerBucketCommands(program);
  registerAdminCommands(program);
  registerRolloutCommands(program);
  registerCompletionCommand(program);
  // Every command (and subcommand) reports usage errors through main's handler, with exit 2.
  const configure = (command: {
    commands: readonly unknown[];
    exitOverride(): unknown;
    showSuggestionAfterError(b: boolean): unknown;
  }) => {
    command.exitOverride();
    command.showSuggestionAfterError(true);
    for (const sub of command.commands) configure(sub as typeof command);
  };
  configure(program as unknown as Parameters<typeof configure>[0]);
  return program;
}
