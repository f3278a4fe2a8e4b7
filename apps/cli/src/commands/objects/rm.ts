import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isCommonPrefix } from '@stowage/core';
import { CliError, EXIT, usageError } from '../../errors.js';
import { parseStoreLocation, storeBase } from '../../locations.js';
import { examples } from '../../options.js';
import { throwIfInterrupted, withCli } from '../../session.js';
import { hasKeysUnder } from './has-keys-under.js';

export function registerRmCommand(program: CommandUnknownOpts): void {
  program
    .command('rm')
    .description('Delete objects; a prefix needs --recursive')
    .argument('<key...>', 'keys, or prefixes with --recursive')
    .option('-r, --recursive', 'delete every object under the prefix')
    .option('-n, --dry-run', 'show what would be deleted, delete nothing')
    .option('-f, --force', 'no error for keys that do not exist')
    .addHelpText(
      'after',
      examples(['stowage rm docs/old.pdf', 'stowage rm -r --dry-run tmp/', 'stowage rm -r tmp/']),
    )
    .action(async (keys, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const dryRun = opts.dryRun === true;
        const deleted: string[] = [];
        for (const text of keys) {
          const location = parseStoreLocation(text);
          const { storage } = await cli.storeFor(location);
          const base = storeBase(location);
          if (!opts.recursive) {
            if (location.key === '' || location.key.endsWith('/')) {
              throw usageError(`${text} is a prefix`, 'add --recursive to delete everything under it');
            }
            if (!(await storage.exists(location.key, { signal: cli.signal }))) {
              if (opts.force) continue;
              const under = await hasKeysUnder(storage, location.key, cli.signal);
              throw new CliError(
                'NotFound',
                `No object ${text}`,
                EXIT.notFound,
                under ? `${text}/ holds objects: add --recursive to delete them` : undefined,
              );
            }
            if (!dryRun) await storage.delete(location.key, { signal: cli.signal });
            deleted.push(base + location.key);
            cli.say(`${dryRun ? '(dry run) would delete' : 'delete'}: ${base}${location.key}`);
            continue;
          }
          const prefix = location.key;
          const keysUnder: string[] = [];
          for await (const entry of storage.list({
            ...(prefix === '' ? {} : { prefix }),
            signal: cli.signal,
          })) {
            if (!isCommonPrefix(entry)) keysUnder.push(entry.key);
          }
          throwIfInterrupted(cli.signal);
          if (!dryRun && keysUnder.length > 0) {
            const result = await storage.deleteMany(keysUnder, { signal: cli.signal });
            throwIfInterrupted(cli.signal);
            if (result.errors.length > 0) {
              const first = result.errors[0]!;
              throw new CliError(
                'Unexpected',
                `${result.errors.length} of ${keysUnder.length} deletes failed; first: ${first.key}: ${first.error.message}`,
                EXIT.failed,
              );
            }
          }
          for (const key of keysUnder) {
            deleted.push(base + key);
            cli.say(`${dryRun ? '(dry run) would delete' : 'delete'}: ${base}${key}`);
          }
        }
        if (cli.json) cli.document({ dryRun, deleted: deleted.length, keys: deleted });
      }),
    );
}
