import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { type Location, parseLocation, parseStoreLocation } from '../../locations.js';
import { examples, integer } from '../../options.js';
import { withCli } from '../../session.js';
import { splitDestination } from './split-destination.js';
import { transfer } from './transfer.js';

export function registerGetCommand(program: CommandUnknownOpts): void {
  program
    .command('get')
    .description('Download objects or prefixes (recursively) to files, or an object to stdout (-)')
    .argument(
      '<source...>',
      'keys or prefixes (ending in /); with two or more arguments the last one is the local destination (- for stdout)',
    )
    .option('-r, --recursive', 'download everything under a prefix (implied when the key ends with /)')
    .option('-j, --concurrency <n>', 'objects in flight at once for prefixes', integer(1, 256), 8)
    .addHelpText(
      'after',
      examples([
        'stowage get docs/2026/report.pdf             # → ./report.pdf',
        'stowage get docs/2026/report.pdf ./out.pdf',
        'stowage get -r photos ./backup               # → ./backup/…',
        'stowage get -r photos                        # → ./photos/…',
        'stowage get docs/a.json - | jq .',
      ]),
    )
    .action(async (args, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const [sources, dest] = splitDestination(args);
        const destination: Location | undefined =
          dest === undefined
            ? undefined
            : dest === '-'
              ? parseLocation('-')
              : { kind: 'path', text: dest, path: dest };
        await transfer(
          cli,
          sources.map((s) => parseStoreLocation(s)),
          destination,
          { kind: 'path', text: '.', path: '.' },
          {
            verb: 'download',
            recursive: opts.recursive === true,
            move: false,
            concurrency: opts.concurrency,
            overrides: {},
          },
        );
      }),
    );
}
