import type { CommandUnknownOpts } from '@commander-js/extra-typings';
import { type BucketAdmin, type LifecycleRule, TOKENS } from '@stowage/core';
import type { Lifecycle } from '@stowage/services';
import type { Cli } from '../context.js';
import { usageError } from '../errors.js';
import { table, timeText } from '../format.js';
import { collectRule, examples } from '../options.js';
import { throwIfInterrupted, withCli } from '../session.js';

/** The bucket admin of the configured S3 connection (s3, spaces, seaweedfs, or a hybrid's S3 side). */
async function bucketAdmin(
  cli: Cli,
  bucketHint?: string,
): Promise<{ admin: BucketAdmin; bucket: string | undefined }> {
  const config = await cli.config();
  const mode = config.mode ?? 'local';
  let runtime: Awaited<ReturnType<Cli['objects']>>['runtime'];
  if (mode === 's3' || mode === 'seaweedfs' || mode === 'spaces') {
    // Creating the first bucket must not need one configured: any name satisfies the runtime.
    const bucket = config.s3?.bucket ?? bucketHint ?? 'stowage';
    runtime = (await cli.storeFor({ kind: 'store', text: '', scheme: mode, bucket, key: '' })).runtime;
    return { admin: runtime.resolve<BucketAdmin>(TOKENS.BucketAdmin), bucket: config.s3?.bucket };
  }
  runtime = (await cli.objects()).runtime;
  if (!runtime.container.isRegistered(TOKENS.BucketAdmin)) {
    throw usageError(
      `buckets need an S3-family store (s3, spaces or seaweedfs mode, or hybrid with an S3 side); the configured mode is ${mode}`,
      'local and memory modes have one implicit store; for lifecycle expiry there use: stowage buckets lifecycle sweep',
    );
  }
  const hybridS3 = config.hybrid?.toS3 ?? config.hybrid?.fromS3 ?? config.s3;
  return { admin: runtime.resolve<BucketAdmin>(TOKENS.BucketAdmin), bucket: hybridS3?.bucket };
}

function bucketOf(given: string | undefined, configured: string | undefined): string {
  const bucket = given ?? configured;
  if (bucket === undefined)
    throw usageError('Name the bucket', 'pass it as an argument, or set s3.bucket (S3_BUCKET)');
  return bucket;
}

export function registerBucketCommands(program: CommandUnknownOpts): void {
  const buckets = program
    .command('buckets')
    .description('Buckets of the S3 connection: list, create, remove, lifecycle rules')
    .addHelpText(
      'after',
      examples([
        'stowage buckets ls',
        'stowage buckets create media-2026',
        'stowage buckets rm media-old --force',
        'stowage buckets lifecycle set --expire tmp/=1 --expire logs/=30',
      ]),
    );

  buckets
    .command('ls')
    .description('List the buckets')
    .action(async (_opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { admin } = await bucketAdmin(cli);
        const rows: string[][] = [];
        let cursor: string | undefined;
        do {
          const page = await admin.listBuckets(cursor === undefined ? {} : { cursor });
          for (const b of page.items) {
            if (cli.json) cli.entry({ name: b.name, createdAt: b.createdAt?.toISOString() ?? null });
            else rows.push([b.createdAt === undefined ? '-' : timeText(b.createdAt), b.name]);
          }
          cursor = page.cursor;
        } while (cursor !== undefined);
        for (const line of table(rows)) cli.line(line);
      }),
    );

  buckets
    .command('create')
    .description('Create a bucket')
    .argument('<name>', 'bucket name (3–63 of a-z 0-9 . -)')
    .option('--region <region>', 'where to create it (default: s3.region)')
    .action(async (name, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { admin } = await bucketAdmin(cli, name);
        await admin.createBucket(name, opts.region === undefined ? {} : { region: opts.region });
        if (cli.json) cli.document({ created: name });
        else cli.say(`created bucket ${name}`);
      }),
    );

  buckets
    .command('rm')
    .description('Remove a bucket; --force empties it first')
    .argument('<name>', 'bucket name')
    .option('-f, --force', 'delete every object in it first')
    .action(async (name, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { admin } = await bucketAdmin(cli, name);
        await admin.deleteBucket(name, { force: opts.force === true });
        if (cli.json) cli.document({ removed: name });
        else cli.say(`removed bucket ${name}`);
      }),
    );

  const lifecycle = buckets
    .command('lifecycle')
    .description('Expiry rules: objects under a prefix are deleted N days after they were written')
    .addHelpText(
      'after',
      `${examples([
        'stowage buckets lifecycle ls',
        'stowage buckets lifecycle set --expire tmp/=1 --expire logs/=30',
        'stowage buckets lifecycle clear',
        'stowage buckets lifecycle sweep --expire tmp/=1     # local mode, or backends without native rules: run daily',
      ])}
"set" installs native rules (the bucket expires objects itself) where the backend has them;
elsewhere run "sweep" on a schedule with the same rules.
`,
    );

  lifecycle
    .command('ls')
    .description("Show the bucket's rules")
    .argument('[bucket]', 'default: s3.bucket')
    .action(async (name, _opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { admin, bucket } = await bucketAdmin(cli, name);
        const rules = await admin.getLifecycleRules(bucketOf(name, bucket));
        if (cli.json) cli.document({ bucket: bucketOf(name, bucket), rules });
        else if (rules.length === 0) cli.say('no lifecycle rules');
        else
          for (const line of table(
            rules.map((r) => [r.id, r.prefix || '(everything)', `${r.expireAfterDays} days`]),
          ))
            cli.line(line);
      }),
    );

  lifecycle
    .command('set')
    .description("Replace the bucket's rules")
    .argument('[bucket]', 'default: s3.bucket')
    .requiredOption(
      '-e, --expire <prefix=days>',
      'expire objects under PREFIX after DAYS (repeatable)',
      collectRule,
    )
    .action(async (name, opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { admin, bucket } = await bucketAdmin(cli, name);
        if (!admin.supportsLifecycle) {
          throw usageError(
            `${admin.name} has no native lifecycle rules`,
            'run "stowage buckets lifecycle sweep --expire PREFIX=DAYS" on a schedule instead',
          );
        }
        const rules: LifecycleRule[] = opts.expire.map((r, i) => ({
          id: `stowage-expire-${i}`,
          prefix: r.prefix,
          expireAfterDays: r.days,
        }));
        const target = bucketOf(name, bucket);
        await admin.setLifecycleRules(target, rules);
        if (cli.json) cli.document({ bucket: target, rules });
        else cli.say(`${target}: ${rules.length} lifecycle rule${rules.length === 1 ? '' : 's'} set`);
      }),
    );

  lifecycle
    .command('clear')
    .description("Remove the bucket's rules")
    .argument('[bucket]', 'default: s3.bucket')
    .action(async (name, _opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { admin, bucket } = await bucketAdmin(cli, name);
        const target = bucketOf(name, bucket);
        await admin.setLifecycleRules(target, []);
        if (cli.json) cli.document({ bucket: target, rules: [] });
        else cli.say(`${target}: lifecycle rules removed`);
      }),
    );

  lifecycle
    .command('sweep')
    .description('Delete now what the rules expire (for stores without native rules; run it daily)')
    .requiredOption(
      '-e, --expire <prefix=days>',
      'expire objects under PREFIX after DAYS (repeatable)',
      collectRule,
    )
    .action(async (opts, cmd) =>
      withCli(cmd, async (cli) => {
        const { runtime } = await cli.objects();
        const { SERVICE_TOKENS } = await import('@stowage/services');
        const service = runtime.resolve<Lifecycle>(SERVICE_TOKENS.Lifecycle);
        const report = await service.sweep(opts.expire, { signal: cli.signal });
        throwIfInterrupted(cli.signal, 'run the sweep again: it picks up what is left');
        const failed = report.failed.map((f) => ({ key: f.key, message: f.error.message }));
        if (cli.json) cli.document({ examined: report.examined, expired: report.expired, failed });
        else
          cli.say(`sweep: ${report.examined} examined, ${report.expired} expired, ${failed.length} failed`);
      }),
    );
}
