import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { parseStoreLocation } from '../../locations.js';
import { byteRange, examples } from '../../options.js';
import { withCli } from '../../session.js';
import { toStdout } from './to-stdout.js';

export function registerCatCommand(program: CommandUnknownOpts): void {
  program
    .command('cat')
    .description('Write objects to stdout, one after the other')
    .argument('<key...>', 'keys in the store')
    .option('--range <start-end>', 'only these bytes (inclusive, e.g. 0-99 or 100-)', byteRange)
    .addHelpText(
      'after',
      examples(['stowage cat config/app.json | jq .version', 'stowage cat a | stowage put - b']),
    )
    .action(async (keys, opts, cmd) =>
      withCli(cmd, async (cli) => {
        for (const text of keys) {
          const location = parseStoreLocation(text);
          const { storage } = await cli.storeFor(location);
          const { body } = await storage.get(location.key, {
            signal: cli.signal,
            ...(opts.range === undefined ? {} : { range: opts.range }),
          });
          await toStdout(body, cli.signal);
        }
      }),
    );
}
