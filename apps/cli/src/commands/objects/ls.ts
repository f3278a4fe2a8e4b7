import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isCommonPrefix, type ListEntry } from '@stowage/core';
import { sizeText, timeText } from '../../format.js';
import { parseStoreLocation, storeBase } from '../../locations.js';
import { examples } from '../../options.js';
import { throwIfInterrupted, withCli } from '../../session.js';

export function registerLsCommand(program: CommandUnknownOpts): void {
  program
    .command('ls')
    .description('List keys and "folders" under a prefix')
    .argument(
      '[prefix]',
      'a prefix in the store (literal: "photos" also matches photos.txt), or s3://BUCKET/PREFIX',
      '',
    )
    .option('-r, --recursive', 'every key below, not just one level')
    .option('-l, --long', 'size, last modified time and etag')
    .option('-H, --human-readable', 'sizes in KiB, MiB, … (with -l)')
    .option('-s, --summarize', 'end with the number of objects and their total size')
    .addHelpText(
      'after',
      examples([
        'stowage ls',
        'stowage ls -lH photos/',
        'stowage ls -r --json logs/2026/ | jq -r .key',
        'stowage ls s3://other-bucket/',
      ]),
    )
    .action(async (prefix, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const location = parseStoreLocation(prefix, 'a prefix');
        const { storage } = await cli.storeFor(location);
        const base = storeBase(location);
        let count = 0;
        let bytes = 0;
        const human = opts.humanReadable === true;
        for await (const entry of storage.list({
          ...(location.key === '' ? {} : { prefix: location.key }),
          ...(opts.recursive ? {} : { delimiter: '/' as const }),
          signal: cli.signal,
        })) {
          if (!isCommonPrefix(entry)) {
            count++;
            bytes += entry.size;
          }
          if (cli.json) cli.entry(lsJson(entry));
          else cli.line(lsLine(entry, base, opts.long === true, human));
        }
        throwIfInterrupted(cli.signal);
        if (opts.summarize) {
          if (cli.json) cli.entry({ summary: { objects: count, bytes } });
          else cli.line(`\n${count} objects, ${sizeText(bytes, human)}${human ? '' : ' bytes'}`);
        }
      }),
    );
}

function lsJson(entry: ListEntry): Record<string, unknown> {
  if (isCommonPrefix(entry)) return { prefix: entry.prefix };
  return {
    key: entry.key,
    size: entry.size,
    etag: entry.etag,
    lastModified: entry.lastModified.toISOString(),
  };
}

function lsLine(entry: ListEntry, base: string, long: boolean, human: boolean): string {
  if (isCommonPrefix(entry))
    return long
      ? `${''.padEnd(19)}  ${'PRE'.padStart(10)}  ${base}${entry.prefix}`
      : `${base}${entry.prefix}`;
  if (!long) return base + entry.key;
  return `${timeText(entry.lastModified)}  ${sizeText(entry.size, human).padStart(10)}  ${base}${entry.key}  ${entry.etag}`;
}
