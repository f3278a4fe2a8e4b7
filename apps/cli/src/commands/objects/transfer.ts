import { isStorageError } from '@stowage/core';
import type { Cli } from '../../context.js';
import { StoreEndpoint } from '../../endpoints.js';
import { CompletedWithCode, EXIT, usageError } from '../../errors.js';
import { humanSize, seconds } from '../../format.js';
import type { Location } from '../../locations.js';
import { throwIfInterrupted } from '../../session.js';
import { syncTrees } from '../../transfer.js';
import { isContainer } from './is-container.js';
import { moveOrCopy } from './move-or-copy.js';
import { type Job, resolveJob } from './resolve-job.js';
import { storePutOverrides } from './store-put-overrides.js';
import { toStdout } from './to-stdout.js';
import type { TransferOptions } from './transfer-options.js';

interface Transferred {
  from: string;
  to: string;
  size: number;
}

export async function transfer(
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
