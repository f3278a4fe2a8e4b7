import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { examples, integer } from '../../options.js';
import { withCli } from '../../session.js';
import { copyOrMoveArguments } from './copy-or-move-arguments.js';

export function registerMvCommand(program: CommandUnknownOpts): void {
  program
    .command('mv')
    .description(
      'Move objects: copy (server-side within a store), then delete the source once the copy is complete',
    )
    .argument(
      '<source...>',
      'keys, prefixes (with -r or ending in /), s3://BUCKET/KEY, ./files; the last argument is the destination',
    )
    .option('-r, --recursive', 'move everything under a prefix')
    .option('--no-overwrite', 'fail (AlreadyExists) rather than replace an existing object')
    .option('-j, --concurrency <n>', 'objects in flight at once for prefixes', integer(1, 256), 8)
    .addHelpText(
      'after',
      examples(['stowage mv inbox/a.pdf archive/2026/', 'stowage mv -r tmp/ s3://cold-bucket/tmp/']),
    )
    .action(async (args, opts, cmd) => withCli(cmd, (cli) => copyOrMoveArguments(cli, 'move', args, opts)));
}
