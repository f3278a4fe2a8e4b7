import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { parseStoreLocation } from '../../locations.js';
import { duration, examples } from '../../options.js';
import { withCli } from '../../session.js';

export function registerPresignCommand(program: CommandUnknownOpts): void {
  program
    .command('presign')
    .description('Print a URL that lets anyone read (or with --put, upload) an object until it expires')
    .argument('<key>', 'a key in the store')
    .option('-e, --expires <duration>', 'lifetime: seconds, or 30s, 15m, 2h, 7d', duration, 3600)
    .option('--put', 'a URL to upload with (PUT), instead of one to download')
    .option('--content-type <type>', 'with --put: the Content-Type the upload must carry')
    .addHelpText(
      'after',
      examples([
        'stowage presign docs/report.pdf --expires 15m',
        'curl -T file.bin "$(stowage presign --put uploads/file.bin)"',
      ]),
    )
    .action(async (key, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const location = parseStoreLocation(key);
        const { storage } = await cli.storeFor(location);
        const expiresAt = new Date(Date.now() + opts.expires * 1000).toISOString();
        if (opts.put) {
          const request = await storage.presignPut(location.key, {
            expiresIn: opts.expires,
            ...(opts.contentType === undefined ? {} : { contentType: opts.contentType }),
          });
          if (cli.json)
            cli.document({ method: request.method, url: request.url, headers: request.headers, expiresAt });
          else {
            cli.line(request.url);
            for (const [name, value] of Object.entries(request.headers))
              cli.say(`  header: ${name}: ${value}`, true);
          }
          return;
        }
        const url = await storage.presignGet(location.key, { expiresIn: opts.expires });
        if (cli.json) cli.document({ method: 'GET', url, headers: {}, expiresAt });
        else cli.line(url);
      }),
    );
}
