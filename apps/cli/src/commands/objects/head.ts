import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import type { ObjectInfo } from '@stowage/core';
import { humanSize, table } from '../../format.js';
import { parseStoreLocation } from '../../locations.js';
import { examples } from '../../options.js';
import { withCli } from '../../session.js';

export function registerHeadCommand(program: CommandUnknownOpts): void {
  program
    .command('head')
    .description("Show an object's size, type, etag, sha256, visibility and metadata")
    .argument('<key>', 'a key in the store')
    .addHelpText(
      'after',
      examples(['stowage head docs/report.pdf', 'stowage head --json docs/report.pdf | jq .sha256']),
    )
    .action(async (key, _opts, cmd) =>
      withCli(cmd, async (cli) => {
        const location = parseStoreLocation(key);
        const { storage } = await cli.storeFor(location);
        const info = await storage.head(location.key, { signal: cli.signal });
        if (cli.json) {
          cli.document(infoJson(info));
          return;
        }
        const rows: string[][] = [
          ['key', info.key],
          ['size', `${info.size} (${humanSize(info.size)})`],
          ['content-type', info.contentType],
          ['etag', info.etag],
          ['last-modified', info.lastModified.toISOString()],
          ['visibility', info.visibility],
        ];
        if (info.sha256 !== undefined) rows.push(['sha256', info.sha256]);
        if (info.cacheControl !== undefined) rows.push(['cache-control', info.cacheControl]);
        if (info.contentDisposition !== undefined)
          rows.push(['content-disposition', info.contentDisposition]);
        for (const [name, value] of Object.entries(info.metadata)) rows.push([`metadata.${name}`, value]);
        for (const line of table(rows.map(([k, v]) => [`${k}:`, v!]))) cli.line(line);
      }),
    );
}

function infoJson(info: ObjectInfo): Record<string, unknown> {
  return { ...info, lastModified: info.lastModified.toISOString() };
}
