import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import {
  type GetOptions,
  type GetResult,
  isStorageError,
  NoopLogger,
  type ObjectStore,
  type StorageError,
  TOKENS,
} from '@stowage/core';
import { ManualClock } from '@stowage/memory';
import {
  type AccessUrls,
  type Assets,
  type BucketIndexer,
  type JsonDocuments,
  type Lifecycle,
  SERVICE_TOKENS,
  type Uploads,
} from '@stowage/services';
import { FaultyObjectStore } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type CreateRuntimeOptions, createRuntime, type Runtime, type RuntimeConfig } from '../src/index.js';
import { exe, png } from './fixtures.js';

/** How a target runtime is opened: its configuration, and anything to undo afterwards. */
export interface RuntimeTarget {
  /** The settings for this target; the scenario adds its own on top. */
  config(): RuntimeConfig;
  /** Whether the store is reached over the network (the TCP fault proxy applies). */
  network?: { proxyConfig(proxyUrl: string): RuntimeConfig; target: { host: string; port: number } };
  teardown?(): Promise<void>;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? (error as StorageError).kind : `foreign: ${String(error)}`;
  }
}

function merge(base: RuntimeConfig, extra: RuntimeConfig): RuntimeConfig {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(extra)) {
    const prior = out[k];
    out[k] =
      v !== null && typeof v === 'object' && prior !== null && typeof prior === 'object'
        ? { ...(prior as object), ...(v as object) }
        : v;
  }
  return out as RuntimeConfig;
}

/**
 * The scenarios, run through the runtime's container against real adapters: every
 * service is resolved from the container the runtime built, never constructed by hand.
 */
export function describeRuntimeScenarios(label: string, target: RuntimeTarget): void {
  describe(`runtime scenarios: ${label}`, () => {
    const clock = new ManualClock(new Date());
    let runtime: Runtime;
    /** The backend's store, undecorated. */
    let backend: ObjectStore;
    /** What the services' store forwards to: the backend, or a decorator a case puts in between. */
    let current: ObjectStore;
    const decorate = (store: ObjectStore) => {
      backend = store;
      current = store;
      return switchable(() => current);
    };
    const services: CreateRuntimeOptions['services'] = {
      storage: { retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 }, streamIdleTimeoutMs: 500 },
      uploads: { maxBytes: 2 * 1024 * 1024, maxImage: { width: 4000, height: 4000 } },
    };
    /** Closes the runtime and opens it again (a restarted process): PGlite allows one at a time. */
    const restart = async (between?: () => Promise<void>) => {
      await runtime.close();
      await between?.();
      runtime = await open({}, { decorateStore: decorate, services });
    };
    const open = (extra: RuntimeConfig = {}, options: Partial<CreateRuntimeOptions> = {}) =>
      createRuntime({
        env: {},
        overrides: merge(merge(target.config(), { server: { port: 0 } }), extra),
        clock,
        logger: new NoopLogger(),
        ...options,
      });

    beforeAll(async () => {
      runtime = await open({}, { decorateStore: decorate, services });
    }, 120_000);
    afterAll(async () => {
      await runtime?.close();
      await target.teardown?.();
    }, 60_000);

    const ns = `rt-${randomBytes(4).toString('hex')}`;

    it('refuses bad uploads with nothing stored, and records good ones', async () => {
      const uploads = runtime.resolve<Uploads>(SERVICE_TOKENS.Uploads);
      const refused: Array<[string, () => Promise<unknown>, string]> = [
        [
          'an .exe renamed .png',
          () =>
            uploads.upload({
              key: `${ns}/up/fake.png`,
              body: exe(),
              filename: 'fake.png',
              claimedType: 'image/png',
            }),
          'InvalidInput',
        ],
        [
          'oversized, streamed without a length',
          () =>
            uploads.upload({
              key: `${ns}/up/big.bin`,
              body: Readable.from([randomBytes(1024 * 1024), randomBytes(1024 * 1024), randomBytes(1024)]),
            }),
          'PayloadTooLarge',
        ],
        [
          'oversized by its declared length',
          () =>
            uploads.upload({
              key: `${ns}/up/declared.bin`,
              body: Buffer.alloc(10),
              contentLength: 3 * 1024 * 1024,
            }),
          'PayloadTooLarge',
        ],
        [
          'an image over the size limit',
          () => uploads.upload({ key: `${ns}/up/huge.png`, body: png(5000, 10), filename: 'huge.png' }),
          'InvalidInput',
        ],
      ];
      for (const [what, run, kind] of refused) expect(await kindOf(run), what).toBe(kind);
      for (const key of ['fake.png', 'big.bin', 'declared.bin', 'huge.png']) {
        expect(await runtime.store.exists(`${ns}/up/${key}`), key).toBe(false);
        expect(await runtime.database.metadata.get(`${ns}/up/${key}`), key).toBeNull();
      }
      const good = await uploads.upload({ key: `${ns}/up/ok.png`, body: png(640, 480, 'ok'), owner: 'u1' });
      expect(good.contentType).toBe('image/png');
      expect(good.image).toEqual({ width: 640, height: 480 });
      expect((await runtime.database.metadata.get(`${ns}/up/ok.png`))?.owner).toBe('u1');
      const audited = await runtime.database.audit.query({ key: `${ns}/up/ok.png`, action: 'upload' });
      expect(audited.items).toHaveLength(1);
    }, 60_000);

    it('streams a large upload in parts with progress, and resumes a session across instances', async () => {
      const uploads = runtime.resolve<Uploads>(SERVICE_TOKENS.Uploads);
      const big = randomBytes(20 * 1024 * 1024);
      const seen: number[] = [];
      const result = await runtime
        .resolve<Uploads>(SERVICE_TOKENS.Uploads)
        .upload({
          key: `${ns}/large.bin`,
          body: Readable.from(chunks(big, 256 * 1024)),
          onProgress: (p) => seen.push(p.loaded),
        })
        .catch((error: unknown) => error);
      // The uploads service caps at 2 MiB in this runtime: a 20 MiB body is refused mid-stream…
      expect(isStorageError(result, 'PayloadTooLarge')).toBe(true);
      expect(await runtime.store.exists(`${ns}/large.bin`)).toBe(false);
      // …while the facade itself streams it in parts, with progress ending at the full size.
      const info = await runtime.storage.put(`${ns}/large.bin`, Readable.from(chunks(big, 256 * 1024)), {
        onProgress: (p) => seen.push(p.loaded),
      });
      expect(info.size).toBe(big.length);
      expect(seen.at(-1)).toBe(big.length);
      expect(seen.length).toBeGreaterThan(2);
      expect(sha(await runtime.storage.getBytes(`${ns}/large.bin`, { maxBytes: 32 * 1024 * 1024 }))).toBe(
        sha(big),
      );
      void uploads;

      const sessions = runtime.uploadSessions;
      const partSize = Math.max(sessions.limits.minPartSize, 1024);
      const parts = [randomBytes(partSize), randomBytes(1000)];
      const session = await sessions.create(`${ns}/resumed.bin`, { contentType: 'application/x-test' });
      await sessions.uploadPart(session.id, 1, parts[0]!);
      // The process restarts between parts; the session continues from the database.
      await restart();
      await runtime.uploadSessions.uploadPart(session.id, 2, parts[1]!);
      await runtime.uploadSessions.complete(session.id, { sha256: sha(Buffer.concat(parts)) });
      expect(sha(await runtime.storage.getBytes(`${ns}/resumed.bin`))).toBe(sha(Buffer.concat(parts)));
    }, 120_000);

    it('persists 20 identical assets concurrently as one object with one upload', async () => {
      const assets = runtime.resolve<Assets>(SERVICE_TOKENS.Assets);
      const image = png(32, 32, `asset-${ns}`);
      const counting = new FaultyObjectStore(backend);
      current = counting;
      const results = await Promise.all(Array.from({ length: 20 }, () => assets.persistBytes(image)));
      expect(new Set(results.map((r) => r.key)).size).toBe(1);
      // Coalesced callers share the one upload's answer.
      expect(results.every((r) => r.created)).toBe(true);
      expect(counting.log.filter((c) => c.operation === 'put')).toHaveLength(1);
      expect(results[0]!.contentType).toBe('image/png');
      // Through the CDN when the mode has one (local mode's is the local server).
      if (runtime.cdn !== null) expect(results[0]!.url).toBe(runtime.cdn.publicUrl(results[0]!.key));
      else expect(results[0]!.url).toBeUndefined();
      // And again later: found by HEAD, nothing uploaded.
      const again = await assets.persistBytes(image);
      expect(again.created).toBe(false);
      expect(counting.log.filter((c) => c.operation === 'put')).toHaveLength(1);
      current = backend;
    }, 60_000);

    it('round-trips JSON with a schema, and loses no concurrent compare-and-swap update', async () => {
      const documents = runtime.resolve<JsonDocuments>(SERVICE_TOKENS.JsonDocuments);
      const schema = z.object({ count: z.number().int(), by: z.array(z.string()) });
      expect(await documents.read(`${ns}/doc.json`, schema)).toBeNull();
      await documents.write(`${ns}/doc.json`, { count: 0, by: [] }, schema);
      expect(await documents.read(`${ns}/doc.json`, schema)).toEqual({ count: 0, by: [] });
      expect(await kindOf(() => documents.write(`${ns}/doc.json`, { count: 'x' } as never, schema))).toBe(
        'InvalidInput',
      );
      await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          documents.update(
            `${ns}/doc.json`,
            schema,
            (cur) => ({
              count: (cur?.count ?? 0) + 1,
              by: [...(cur?.by ?? []), `w${i}`],
            }),
            { attempts: 60 },
          ),
        ),
      );
      const final = await documents.read(`${ns}/doc.json`, schema);
      expect(final?.count).toBe(12);
      expect(new Set(final?.by).size).toBe(12);
    }, 60_000);

    it('presigns a download that works, and audits it', async () => {
      const access = runtime.resolve<AccessUrls>(SERVICE_TOKENS.AccessUrls);
      await runtime.storage.put(`${ns}/private.txt`, 'secret words', { visibility: 'private' });
      const { url } = await access.download(`${ns}/private.txt`, { actor: 'tester', expiresIn: 300 });
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('secret words');
      const tampered = await fetch(url.replace(/.$/, (c) => (c === '0' ? '1' : '0')));
      expect(tampered.status).toBeGreaterThanOrEqual(400);
      await tampered.body?.cancel();
      const audited = await runtime.database.audit.query({ key: `${ns}/private.txt`, actor: 'tester' });
      expect(audited.items.map((e) => e.action)).toEqual(['presign']);
    }, 60_000);

    it('indexes 10k keys with aggregates, and converges after changes', async () => {
      const indexer = runtime.resolve<BucketIndexer>(SERVICE_TOKENS.BucketIndexer);
      const prefix = `${ns}/idx/`;
      const keys = Array.from(
        { length: 10_000 },
        (_, i) => `${prefix}${i % 2 === 0 ? 'even' : 'odd'}/${String(i).padStart(5, '0')}`,
      );
      await mapLimit(keys, 32, (key) => runtime.store.put(key, 'x'.repeat(10)));
      const parser = (summary: { key: string }) => ({
        category: summary.key.slice(prefix.length).split('/')[0]!,
      });
      const first = await indexer.run({ prefix, parser, batchSize: 1000, jobId: `${ns}-idx` });
      expect(first.aggregate.count).toBe(10_000);
      expect(first.aggregate.totalSize).toBe(100_000);
      expect(first.aggregate.byCategory.even?.count).toBe(5_000);
      // Change: 100 removed, 50 added; the second run touches only those.
      await runtime.store.deleteMany(keys.slice(0, 100));
      await mapLimit(
        Array.from({ length: 50 }, (_, i) => `${prefix}new/${i}`),
        16,
        (key) => runtime.store.put(key, 'yy'),
      );
      const second = await indexer.run({ prefix, parser, batchSize: 1000, jobId: `${ns}-idx-2` });
      expect(second.softDeleted).toBe(100);
      expect(second.upserted).toBe(50);
      expect(second.aggregate.count).toBe(9_950);
      expect(second.aggregate.byCategory.new?.count).toBe(50);
    }, 300_000);

    it('expires a prefix by the manual clock', async () => {
      const lifecycle = runtime.resolve<Lifecycle>(SERVICE_TOKENS.Lifecycle);
      await runtime.storage.put(`${ns}/tmp/a`, 'a');
      await runtime.storage.put(`${ns}/tmp/b`, 'b');
      await runtime.storage.put(`${ns}/keep/c`, 'c');
      const rules = [{ prefix: `${ns}/tmp/`, days: 30 }];
      expect((await lifecycle.sweep(rules)).expired).toBe(0);
      const now = clock.now();
      clock.advance(31 * 86_400_000);
      try {
        const report = await lifecycle.sweep(rules);
        expect(report.expired).toBe(2);
        expect(await runtime.store.exists(`${ns}/tmp/a`)).toBe(false);
        expect(await runtime.store.exists(`${ns}/keep/c`)).toBe(true);
      } finally {
        clock.set(now);
      }
    }, 60_000);

    it('retries transient faults and never permanent ones', async () => {
      await runtime.storage.put(`${ns}/retry.txt`, 'retried');
      const faulty = new FaultyObjectStore(backend, { failNth: [1, 2], operations: ['get'] });
      current = faulty;
      try {
        expect(await runtime.storage.getText(`${ns}/retry.txt`)).toBe('retried');
        expect(faulty.injected).toBe(2);
        expect(faulty.calls).toBe(3);
        expect(await kindOf(() => runtime.storage.getText(`${ns}/missing.txt`))).toBe('NotFound');
        expect(faulty.calls).toBe(4);
        // A fault that outlasts the attempts surfaces, still typed and retryable.
        const down = new FaultyObjectStore(backend, { failRatio: 1, operations: ['head'] });
        current = down;
        expect(await kindOf(() => runtime.storage.head(`${ns}/retry.txt`))).toBe('Unavailable');
        expect(down.calls).toBe(3);
      } finally {
        current = backend;
      }
    }, 60_000);

    it('fails a stalled body with Timeout', async () => {
      await runtime.storage.put(`${ns}/stall.bin`, randomBytes(64 * 1024));
      // The body sends 1 KiB and then nothing: the stall timeout (500 ms here) must end the read.
      const get = async (key: string, options?: GetOptions): Promise<GetResult> => {
        const result = await backend.get(key, options);
        const stalled = new PassThrough();
        result.body.once('data', (first: Buffer) => {
          stalled.write(first.subarray(0, 1024));
          result.body.destroy();
        });
        return { ...result, body: stalled };
      };
      current = switchable(() => backend, { get });
      try {
        const got = await runtime.storage.get(`${ns}/stall.bin`);
        expect(
          await kindOf(async () => {
            for await (const _ of got.body) {
              // drain until the timeout fires
            }
          }),
        ).toBe('Timeout');
      } finally {
        current = backend;
      }
    }, 30_000);

    it('performs no write in dry run, checked on the backend itself', async () => {
      await runtime.storage.put(`${ns}/dry/b.txt`, 'kept');
      await restart(async () => {
        const dry = await open({ dryRun: true });
        try {
          await dry.storage.put(`${ns}/dry/a.txt`, 'never');
          await dry.storage.delete(`${ns}/dry/b.txt`);
          expect(dry.storage.dryRunReport().map((a) => a.operation)).toEqual(['put', 'delete']);
          // Reads still work.
          expect(await dry.storage.getText(`${ns}/dry/b.txt`)).toBe('kept');
        } finally {
          await dry.close();
        }
      });
      expect(await runtime.store.exists(`${ns}/dry/a.txt`)).toBe(false);
      expect(await runtime.store.exists(`${ns}/dry/b.txt`)).toBe(true);
    }, 60_000);

    it('has every port and service in its container', () => {
      for (const token of [
        TOKENS.ObjectStore,
        TOKENS.MetadataRepository,
        TOKENS.AuditLog,
        TOKENS.JobStateStore,
        TOKENS.Locks,
        TOKENS.RolloutState,
        TOKENS.UploadSessions,
        TOKENS.Clock,
        TOKENS.Logger,
      ]) {
        expect(runtime.container.isRegistered(token, true), String(token)).toBe(true);
      }
      for (const token of Object.values(SERVICE_TOKENS)) {
        expect(runtime.container.isRegistered(token, true), String(token)).toBe(true);
      }
    });
  });
}

/** An ObjectStore that forwards every call to whatever `target()` is now. */
function switchable(target: () => ObjectStore, overrides: Partial<ObjectStore> = {}): ObjectStore {
  return new Proxy({} as ObjectStore, {
    get(_, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof ObjectStore];
      const store = target();
      const value = Reflect.get(store, property, store);
      return typeof value === 'function' ? value.bind(store) : value;
    },
  });
}

function* chunks(buffer: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) yield buffer.subarray(i, i + size);
}

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
