import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { examples, integer } from '../../options.js';
import { withCli } from '../../session.js';
import { copyOrMoveArguments } from './copy-or-move-arguments.js';

export function registerCpCommand(program: CommandUnknownOpts): void {
  program
    .command('cp')
    .description('Copy objects within a store (server-side) or between stores and this machine (streaming)')
    .argument(
      '<source...>',
      'keys, prefixes (with -r or ending in /), s3://BUCKET/KEY, ./files; the last argument is the destination',
    )
    .option('-r, --recursive', 'copy everything under a prefix')
    .option('--no-overwrite', 'fail (AlreadyExists) rather than replace an existing object')
    .option('-j, --concurrency <n>', 'objects in flight at once for prefixes', integer(1, 256), 8)
    .addHelpText(
      'after',
      examples([
        'stowage cp docs/a.pdf docs/b.pdf                    # server-side in the store',
        'stowage cp -r photos/ s3://backup-bucket/photos/     # streamed to another bucket',
        'stowage cp s3://other/config.json ./config.json',
      ]),
    )
    .action(async (args, opts, cmd) => withCli(cmd, (cli) => copyOrMoveArguments(cli, 'copy', args, opts)));
}
