import { dirname, join, basename as pathBasename, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { isCommonPrefix, isStorageError, type ListEntry, type ObjectInfo } from '@stowage/core';
import type { Cli } from '../context.js';
import { DirEndpoint, type Endpoint, pathKind, StoreEndpoint, type WriteOverrides } from '../endpoints.js';
import { CliError, CompletedWithCode, EXIT, usageError } from '../errors.js';
import { humanSize, seconds, sizeText, table, timeText } from '../format.js';
import {
  asPrefix,
  basename,
  type Location,
  parseLocation,
  parseStoreLocation,
  type StoreLocation,
} from '../locations.js';
import { byteRange, collectPair, duration, examples, integer } from '../options.js';
import { throwIfInterrupted, withCli } from '../session.js';
import { copyItem, syncTrees } from '../transfer.js';

type Verb = 'upload' | 'download' | 'copy' | 'move';

interface TransferOptions {
  verb: Verb;
  recursive: boolean;
  move: boolean;
  concurrency: number;
  overrides: WriteOverrides;
}

interface Transferred {
  from: string;
  to: string;
  size: number;
}

/** One item or one tree to transfer, resolved to endpoints. */
type Job =
  | { kind: 'stdin'; dst: Endpoint; dstKey: string }
  | { kind: 'stdout'; src: Endpoint; srcKey: string }
  | { kind: 'item'; src: Endpoint; srcKey: string; dst: Endpoint; dstKey: string }
  | { kind: 'tree'; src: Endpoint; dst: Endpoint };

export function registerObjectCommands(program: CommandUnknownOpts): void {
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
        const base = location.scheme === 'default' ? '' : `${location.scheme}://${location.bucket}/`;
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
          const base = location.scheme === 'default' ? '' : `${location.scheme}://${location.bucket}/`;
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
    .action(async (args, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const [sources, dest] = splitDestination(args, true);
        await transfer(cli, sources.map(parseLocation), parseLocation(dest!), parseLocation(dest!), {
          verb: 'copy',
          recursive: opts.recursive === true,
          move: false,
          concurrency: opts.concurrency,
          overrides: opts.overwrite === false ? { noOverwrite: true } : {},
        });
      }),
    );

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
    .action(async (args, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const [sources, dest] = splitDestination(args, true);
        await transfer(cli, sources.map(parseLocation), parseLocation(dest!), parseLocation(dest!), {
          verb: 'move',
          recursive: opts.recursive === true,
          move: true,
          concurrency: opts.concurrency,
          overrides: opts.overwrite === false ? { noOverwrite: true } : {},
        });
      }),
    );

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

/** `a b c` → sources [a, b], destination c; a single argument has no destination. */
function splitDestination(args: readonly string[], required = false): [string[], string | undefined] {
  if (args.length < 2) {
    if (required) throw usageError('Name a source and a destination', 'e.g. stowage cp SOURCE DESTINATION');
    return [[...args], undefined];
  }
  return [args.slice(0, -1), args.at(-1)];
}

async function toStdout(
  body: NodeJS.ReadableStream & { destroy(): void },
  signal: AbortSignal,
): Promise<void> {
  try {
    await pipeline(body, process.stdout, { end: false, signal });
  } catch (error) {
    body.destroy();
    // A reader that went away (`| head`) is not a failure of ours.
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return;
    throw error;
  }
}

async function hasKeysUnder(
  storage: {
    listPage: (o: { prefix: string; limit: number; signal: AbortSignal }) => Promise<{ items: unknown[] }>;
  },
  key: string,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const page = await storage.listPage({ prefix: `${key}/`, limit: 1, signal });
    return page.items.length > 0;
  } catch {
    return false;
  }
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

export function infoJson(info: ObjectInfo): Record<string, unknown> {
  return { ...info, lastModified: info.lastModified.toISOString() };
}

// ------------------------------------------------------------------------ transfers

async function transfer(
  cli: Cli,
  sources: Location[],
  dest: Location | undefined,
  defaultDest: Location,
  options: TransferOptions,
): Promise<void> {
  const started = process.hrtime.bigint();
  const target = dest ?? defaultDest;
  // Like aws s3 cp and rclone: a tree goes into the destination you name (its contents under
  // it); with no destination, or several sources, each goes under its own name. A single
  // object goes under its own name into a destination ending in "/" or an existing directory.
  const several = dest === undefined || sources.length > 1;
  const container = { tree: several, item: several || (await isContainer(target)) };
  const jobs: Job[] = [];
  for (const source of sources) jobs.push(await resolveJob(cli, source, target, container, options));

  const transferred: Transferred[] = [];
  const failed: Array<{ key: string; kind: string; message: string }> = [];
  const progress = cli.progress(options.verb, 'bytes');
  const toStderr = jobs.some((j) => j.kind === 'stdout');
  const say = (t: Transferred) => {
    transferred.push(t);
    cli.say(`${options.verb}: ${t.from} → ${t.to} (${humanSize(t.size)})`, toStderr);
  };
  try {
    for (const job of jobs) {
      throwIfInterrupted(cli.signal);
      switch (job.kind) {
        case 'stdin': {
          if (!(job.dst instanceof StoreEndpoint))
            throw usageError('stdin can only be written to a store key');
          if (process.stdin.isTTY) cli.warn('reading the object from the terminal; end it with Ctrl-D');
          const info = await job.dst.store.storage.put(job.dst.keyOf(job.dstKey), process.stdin, {
            signal: cli.signal,
            ...storePutOverrides(job.dst, options.overrides),
          });
          progress.advance(1, info.size);
          say({ from: '-', to: job.dst.display(job.dstKey), size: info.size });
          break;
        }
        case 'stdout': {
          const source = await job.src.read(job.srcKey, cli.signal);
          await toStdout(source.body as NodeJS.ReadableStream & { destroy(): void }, cli.signal);
          transferred.push({ from: job.src.display(job.srcKey), to: '-', size: source.size });
          break;
        }
        case 'item': {
          progress.addTotal(1, 0);
          const size = await moveOrCopy(cli, job.src, job.srcKey, job.dst, job.dstKey, options, (n) =>
            progress.advance(0, n),
          );
          progress.advance(1);
          say({ from: job.src.display(job.srcKey), to: job.dst.display(job.dstKey), size });
          break;
        }
        case 'tree': {
          const report = await syncTrees(job.src, job.dst, {
            compare: false,
            delete: false,
            dryRun: false,
            checksum: false,
            concurrency: options.concurrency,
            signal: cli.signal,
            progress,
            onAction: (_action, key, bytes) =>
              say({ from: job.src.display(key), to: job.dst.display(key), size: bytes }),
            onFailure: (key, error) =>
              cli.warn(
                `${job.src.display(key)}: ${isStorageError(error) ? `${error.kind}: ` : ''}${(error as Error).message}`,
              ),
            ...(options.move ? { afterCopy: (key: string) => job.src.remove(key, cli.signal) } : {}),
          });
          failed.push(...report.failed);
          break;
        }
      }
    }
  } finally {
    progress.stop();
  }
  throwIfInterrupted(cli.signal, 'run the same command again: whole objects are written, never parts');
  const bytes = transferred.reduce((n, t) => n + t.size, 0);
  if (cli.json && !toStderr) {
    cli.document({
      [options.verb === 'upload'
        ? 'uploaded'
        : options.verb === 'download'
          ? 'downloaded'
          : options.verb === 'copy'
            ? 'copied'
            : 'moved']: transferred,
      files: transferred.length,
      bytes,
      failed,
      seconds: seconds(started),
    });
  }
  if (failed.length > 0) {
    if (!cli.json) cli.warn(`${failed.length} of ${failed.length + transferred.length} transfers failed`);
    throw new CompletedWithCode(EXIT.failed);
  }
}

function storePutOverrides(dst: StoreEndpoint, o: WriteOverrides) {
  const caps = dst.store.storage.store.capabilities;
  return {
    ...(o.contentType === undefined ? {} : { contentType: o.contentType }),
    ...(o.cacheControl === undefined ? {} : { cacheControl: o.cacheControl }),
    ...(o.contentDisposition === undefined ? {} : { contentDisposition: o.contentDisposition }),
    ...(o.metadata === undefined ? {} : { metadata: o.metadata }),
    ...(o.visibility === undefined || !caps.visibility ? {} : { visibility: o.visibility }),
    ...(o.noOverwrite === true ? { ifNoneMatch: '*' as const } : {}),
  };
}

async function moveOrCopy(
  cli: Cli,
  src: Endpoint,
  srcKey: string,
  dst: Endpoint,
  dstKey: string,
  options: TransferOptions,
  onBytes: (n: number) => void,
): Promise<number> {
  if (
    options.move &&
    src instanceof StoreEndpoint &&
    dst instanceof StoreEndpoint &&
    src.store.id === dst.store.id &&
    options.overrides.noOverwrite !== true
  ) {
    const info = await dst.store.storage.move(src.keyOf(srcKey), dst.keyOf(dstKey), { signal: cli.signal });
    onBytes(info.size);
    return info.size;
  }
  const size = await copyItem(src, srcKey, dst, dstKey, cli.signal, onBytes);
  if (options.move) await src.remove(srcKey, cli.signal);
  return size;
}

/** A destination that receives items under their own names: a path to an existing directory, or a key ending in "/". */
async function isContainer(location: Location): Promise<boolean> {
  if (location.kind === 'stdio') return false;
  if (location.kind === 'path') {
    if (location.path.endsWith('/')) return true;
    return (await pathKind(location.path)) === 'dir';
  }
  return location.key === '' || location.key.endsWith('/');
}

async function resolveJob(
  cli: Cli,
  source: Location,
  target: Location,
  container: { tree: boolean; item: boolean },
  options: TransferOptions,
): Promise<Job> {
  if (source.kind === 'stdio') {
    if (container.item || target.kind !== 'store') {
      throw usageError('stdin needs a destination key', 'e.g. stowage put - backups/site.tar');
    }
    const d = await itemEndpoint(cli, target, options);
    return { kind: 'stdin', dst: d.endpoint, dstKey: d.key };
  }
  if (source.kind === 'path') {
    const kind = await pathKind(source.path);
    if (kind === undefined)
      throw new CliError('NotFound', `No such file or directory: ${source.path}`, EXIT.notFound);
    const name = pathBasename(resolve(source.path));
    if (kind === 'file') {
      const src = new DirEndpoint(dirname(source.path), dirname(source.path));
      const dst = await itemEndpoint(cli, container.item ? child(target, name) : target, options);
      return { kind: 'item', src, srcKey: pathBasename(source.path), dst: dst.endpoint, dstKey: dst.key };
    }
    const src = new DirEndpoint(source.path, source.path, (t) => cli.warn(t));
    const dst = await treeEndpoint(cli, container.tree ? child(target, `${name}/`) : target, options);
    return { kind: 'tree', src, dst };
  }
  // A store location.
  const store = await cli.storeFor(source);
  const base = source.scheme === 'default' ? '' : `${source.scheme}://${source.bucket}/`;
  let tree = source.key === '' || source.key.endsWith('/');
  if (!tree && options.recursive) tree = !(await store.storage.exists(source.key, { signal: cli.signal }));
  if (tree) {
    const prefix = asPrefix(source.key);
    const src = new StoreEndpoint(store, prefix, base);
    const name = basename(prefix) || (source.bucket ?? 'stowage');
    const dst = await treeEndpoint(cli, container.tree ? child(target, `${name}/`) : target, options);
    return { kind: 'tree', src, dst };
  }
  const src = new StoreEndpoint(store, '', base);
  if (!(await store.storage.exists(source.key, { signal: cli.signal }))) {
    const under = await hasKeysUnder(store.storage, source.key, cli.signal);
    throw new CliError(
      'NotFound',
      `No object ${source.text}`,
      EXIT.notFound,
      under ? `${source.text}/ is a prefix: add --recursive (-r) or end it with /` : undefined,
    );
  }
  if (target.kind === 'stdio') return { kind: 'stdout', src, srcKey: source.key };
  const dst = await itemEndpoint(cli, container.item ? child(target, basename(source.key)) : target, options);
  return { kind: 'item', src, srcKey: source.key, dst: dst.endpoint, dstKey: dst.key };
}

function child(location: Location, name: string): Location {
  if (location.kind === 'path')
    return { ...location, path: join(location.path, name), text: join(location.path, name) };
  if (location.kind === 'store') return { ...location, key: location.key + name, text: location.text + name };
  return location;
}

async function itemEndpoint(
  cli: Cli,
  location: Location,
  options: TransferOptions,
): Promise<{ endpoint: Endpoint; key: string }> {
  if (location.kind === 'path') {
    const dir = dirname(location.path);
    return { endpoint: new DirEndpoint(dir, dir), key: pathBasename(location.path) };
  }
  if (location.kind === 'stdio') throw usageError('stdout is not a destination here');
  const store = await cli.storeFor(location as StoreLocation);
  const base = location.scheme === 'default' ? '' : `${location.scheme}://${location.bucket}/`;
  return { endpoint: new StoreEndpoint(store, '', base, options.overrides), key: location.key };
}

async function treeEndpoint(cli: Cli, location: Location, options: TransferOptions): Promise<Endpoint> {
  if (location.kind === 'path') {
    const kind = await pathKind(location.path);
    if (kind === 'file') throw usageError(`${location.path} is a file; a directory is needed to hold a tree`);
    return new DirEndpoint(location.path, location.path, (t) => cli.warn(t));
  }
  if (location.kind === 'stdio')
    throw usageError('a prefix cannot be written to stdout', 'use get with a directory');
  const store = await cli.storeFor(location);
  const base = location.scheme === 'default' ? '' : `${location.scheme}://${location.bucket}/`;
  return new StoreEndpoint(store, asPrefix(location.key), base, options.overrides);
}
