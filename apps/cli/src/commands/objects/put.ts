import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { WriteOverrides } from '../../endpoints.js';
import { parseLocation, parseStoreLocation } from '../../locations.js';
import { collectPair, examples, integer } from '../../options.js';
import { withCli } from '../../session.js';
import { splitDestination } from './split-destination.js';
import { transfer } from './transfer.js';

export function registerPutCommand(program: CommandUnknownOpts): void {
  program
    .command('put')
    .description('Upload files, directories (recursively) or stdin (-) into the store')
    .argument(
      '<source...>',
      'files or directories on this machine, or - for stdin; with two or more arguments the last one is the destination key or prefix',
    )
    .option('-r, --recursive', 'accepted for symmetry: directories are always uploaded recursively')
    .option(
      '--content-type <type>',
      'Content-Type of every object written (default: from the name, then the bytes)',
    )
    .option('--cache-control <value>', 'Cache-Control of every object written')
    .option('--content-disposition <value>', 'Content-Disposition of every object written')
    .option('-m, --metadata <name=value>', 'user metadata (repeatable)', collectPair)
    .option('--public', 'make the objects public (stores with per-object visibility)')
    .option('--no-overwrite', 'fail (AlreadyExists) rather than replace an existing object')
    .option('-j, --concurrency <n>', 'files in flight at once for directories', integer(1, 256), 8)
    .addHelpText(
      'after',
      examples([
        'stowage put report.pdf                      # → key report.pdf',
        'stowage put report.pdf docs/2026/           # → key docs/2026/report.pdf',
        'stowage put ./photos                        # → keys photos/…',
        'stowage put ./photos archive/2026           # → keys archive/2026/…',
        'tar c . | stowage put - backups/site.tar     # stdin, streamed',
        'stowage put big.iso s3://other-bucket/isos/  # another bucket on the same S3 connection',
      ]),
    )
    .action(async (args, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const [sources, dest] = splitDestination(args);
        await transfer(
          cli,
          sources.map((s) => (s === '-' ? parseLocation(s) : { kind: 'path' as const, text: s, path: s })),
          dest === undefined ? undefined : parseStoreLocation(dest, 'a destination key or prefix'),
          { kind: 'store', text: '', scheme: 'default', key: '' },
          {
            verb: 'upload',
            recursive: true,
            move: false,
            concurrency: opts.concurrency,
            overrides: writeOverrides(opts),
          },
        );
      }),
    );
}

function writeOverrides(opts: {
  contentType?: string;
  cacheControl?: string;
  contentDisposition?: string;
  metadata?: Record<string, string>;
  public?: boolean;
  overwrite?: boolean;
}): WriteOverrides {
  const overrides: WriteOverrides = {};
  if (opts.contentType !== undefined) overrides.contentType = opts.contentType;
  if (opts.cacheControl !== undefined) overrides.cacheControl = opts.cacheControl;
  if (opts.contentDisposition !== undefined) overrides.contentDisposition = opts.contentDisposition;
  if (opts.metadata !== undefined) overrides.metadata = opts.metadata;
  if (opts.public === true) overrides.visibility = 'public';
  if (opts.overwrite === false) overrides.noOverwrite = true;
  return overrides;
}
