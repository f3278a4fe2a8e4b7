import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  isStorageError,
  type ObjectStore,
  readBytes,
  type StorageError,
  type UploadSessions,
} from '@stowage/core';
import { expect } from 'vitest';
import {
  type CaseRegistry,
  type Category,
  caseNames,
  describePortSuite,
  type PortCase,
  type PortConformanceOptions,
} from '../helpers/port-suite.js';

export interface UploadSessionsConformanceOptions extends PortConformanceOptions<UploadSessions> {
  /** The store completed objects land in. */
  store(): ObjectStore;
  /** How many things a session left behind (staged parts, native multipart uploads); 0 after abort and complete. */
  leftovers?(sessionId: string, key: string): Promise<number>;
  /** Another instance over the same state, as a process restarted (or another process) would have. */
  restart?(): UploadSessions | Promise<UploadSessions>;
  /** Moves the implementation's clock on, for the expiry cases. */
  advanceClock?(ms: number): void;
}

type SessionCase = PortCase<UploadSessions, UploadSessionsConformanceOptions>;

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const digestOf = (b: Buffer | undefined) => (b === undefined ? 'missing' : sha(b));

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? (error as StorageError).kind : `foreign: ${String(error)}`;
  }
}

/** Part `n` of a test object: every part but the last is exactly `minPartSize` (at least 1 KiB) bytes. */
function partOf(port: UploadSessions, n: number, last = false): Buffer {
  const size = last ? 777 : Math.max(port.limits.minPartSize, 1024);
  return Buffer.alloc(size, 0x40 + n);
}

async function objectText(store: ObjectStore, key: string): Promise<Buffer | undefined> {
  try {
    return await readBytes(await store.get(key));
  } catch (error) {
    if (isStorageError(error, 'NotFound')) return undefined;
    throw error;
  }
}

function registerAssemblyCases(cases: CaseRegistry<SessionCase>): void {
  cases.case(
    'parts uploaded out of order assemble in number order; nothing shows before completion',
    { timeout: 120_000 },
    async (c) => {
      const { port, ns } = c;
      const store = c.options.store();
      const key = `${ns}/assembled.bin`;
      const session = await port.create(key, {
        contentType: 'application/x-test',
        metadata: { origin: 'conformance' },
      });
      const parts = [partOf(port, 1), partOf(port, 2), partOf(port, 3, true)];
      await port.uploadPart(session.id, 3, parts[2]!);
      await port.uploadPart(session.id, 1, parts[0]!);
      await port.uploadPart(session.id, 2, Readable.from([parts[1]!]));
      expect(await store.exists(key)).toBe(false);
      const listed = await port.listParts(session.id);
      expect(listed.map((p) => [p.number, p.size, p.sha256])).toEqual(
        parts.map((p, i) => [i + 1, p.length, sha(p)]),
      );
      const whole = Buffer.concat(parts);
      const info = await port.complete(session.id, { sha256: sha(whole) });
      expect(info.size).toBe(whole.length);
      // Digests, not bytes: a deep compare of megabytes of parts is slow and its diff enormous.
      expect(digestOf(await objectText(store, key))).toBe(sha(whole));
      const head = await store.head(key);
      expect(head.contentType).toBe('application/x-test');
      if (store.capabilities.userMetadata) expect(head.metadata).toMatchObject({ origin: 'conformance' });
      expect(await port.get(session.id)).toBeNull();
      if (c.options.leftovers) expect(await c.options.leftovers(session.id, key)).toBe(0);
    },
  );

  cases.case('a part sent again replaces the earlier one', async ({ port, ns, options }) => {
    const key = `${ns}/replaced`;
    const session = await port.create(key);
    await port.uploadPart(session.id, 1, 'first version');
    await port.uploadPart(session.id, 1, 'second version');
    expect((await port.listParts(session.id)).map((p) => p.size)).toEqual([14]);
    await port.complete(session.id);
    expect((await objectText(options.store(), key))?.toString()).toBe('second version');
  });

  cases.case(
    'concurrent uploads of different parts are all recorded',
    { timeout: 120_000 },
    async ({ port, ns, options }) => {
      const key = `${ns}/concurrent`;
      const session = await port.create(key);
      const parts = Array.from({ length: 6 }, (_, i) => partOf(port, i + 1, i === 5));
      await Promise.all(parts.map((p, i) => port.uploadPart(session.id, i + 1, p)));
      expect((await port.listParts(session.id)).map((p) => p.number)).toEqual([1, 2, 3, 4, 5, 6]);
      await port.complete(session.id);
      expect(digestOf(await objectText(options.store(), key))).toBe(sha(Buffer.concat(parts)));
    },
  );

  cases.case('an object of one empty part completes as an empty object', async ({ port, ns, options }) => {
    const key = `${ns}/empty`;
    const session = await port.create(key);
    await port.uploadPart(session.id, 1, Buffer.alloc(0));
    expect((await port.complete(session.id)).size).toBe(0);
    expect((await objectText(options.store(), key))?.length).toBe(0);
  });
}

function registerRefusalCases(cases: CaseRegistry<SessionCase>): void {
  cases.case(
    'a missing part at completion is InvalidInput and the session stays open',
    async ({ port, ns, options }) => {
      const key = `${ns}/gap`;
      const session = await port.create(key);
      await port.uploadPart(session.id, 1, partOf(port, 1));
      await port.uploadPart(session.id, 3, partOf(port, 3, true));
      expect(await kindOf(() => port.complete(session.id))).toBe('InvalidInput');
      expect(await kindOf(() => port.complete(session.id, { parts: [1, 2, 3] }))).toBe('InvalidInput');
      expect(await options.store().exists(key)).toBe(false);
      await port.uploadPart(session.id, 2, partOf(port, 2));
      await port.complete(session.id);
      expect(await options.store().exists(key)).toBe(true);
    },
  );

  cases.case('completing with no part is InvalidInput', async ({ port, ns }) => {
    const session = await port.create(`${ns}/none`);
    expect(await kindOf(() => port.complete(session.id))).toBe('InvalidInput');
    await port.abort(session.id);
  });

  cases.case('a part before the last under minPartSize is InvalidInput at completion', async (c) => {
    const { port, ns } = c;
    if (port.limits.minPartSize <= 1) c.skip('has no minimum part size (limits.minPartSize is 1)');
    const session = await port.create(`${ns}/small`);
    await port.uploadPart(session.id, 1, Buffer.alloc(port.limits.minPartSize - 1, 1));
    await port.uploadPart(session.id, 2, Buffer.alloc(10, 2));
    expect(await kindOf(() => port.complete(session.id))).toBe('InvalidInput');
    await port.abort(session.id);
  });

  cases.case(
    'a wrong sha256 at completion is Integrity: nothing stored, the session still open',
    async ({ port, ns, options }) => {
      const key = `${ns}/integrity`;
      const session = await port.create(key);
      await port.uploadPart(session.id, 1, 'payload');
      expect(await kindOf(() => port.complete(session.id, { sha256: sha(Buffer.from('other')) }))).toBe(
        'Integrity',
      );
      expect(await options.store().exists(key)).toBe(false);
      expect(await port.get(session.id)).not.toBeNull();
      await port.complete(session.id, { sha256: sha(Buffer.from('payload')) });
      expect((await objectText(options.store(), key))?.toString()).toBe('payload');
    },
  );

  cases.case('a part with a wrong sha256 is Integrity and not recorded', async ({ port, ns }) => {
    const session = await port.create(`${ns}/part-integrity`);
    expect(
      await kindOf(() => port.uploadPart(session.id, 1, 'abc', { sha256: sha(Buffer.from('abd')) })),
    ).toBe('Integrity');
    expect(await port.listParts(session.id)).toEqual([]);
    await port.abort(session.id);
  });

  cases.case('part numbers outside 1–maxParts and invalid keys are refused', async ({ port, ns }) => {
    expect(await kindOf(() => port.create('/absolute'))).toBe('InvalidKey');
    const session = await port.create(`${ns}/numbers`);
    for (const n of [0, -1, 1.5, port.limits.maxParts + 1]) {
      expect(await kindOf(() => port.uploadPart(session.id, n, 'x')), String(n)).toBe('InvalidInput');
    }
    await port.abort(session.id);
  });

  cases.case('completing onto an existing key with ifNoneMatch is AlreadyExists', async (c) => {
    const store = c.options.store();
    if (!store.capabilities.writeIfNoneMatch) c.skip('stores objects without conditional writes');
    const key = `${c.ns}/exists`;
    await store.put(key, 'already here');
    const session = await c.port.create(key);
    await c.port.uploadPart(session.id, 1, 'new');
    expect(await kindOf(() => c.port.complete(session.id, { ifNoneMatch: '*' }))).toBe('AlreadyExists');
    expect((await objectText(store, key))?.toString()).toBe('already here');
    await c.port.abort(session.id);
  });

  cases.case('an unknown session is NotFound; aborting it succeeds', async ({ port }) => {
    for (const run of [
      () => port.uploadPart('nope', 1, 'x'),
      () => port.listParts('nope'),
      () => port.complete('nope'),
    ]) {
      expect(await kindOf(run)).toBe('NotFound');
    }
    await port.abort('nope');
    expect(await port.get('nope')).toBeNull();
  });
}

function registerLifetimeCases(cases: CaseRegistry<SessionCase>): void {
  cases.case('abort leaves nothing behind', async ({ port, ns, options }) => {
    const key = `${ns}/aborted`;
    const session = await port.create(key);
    await port.uploadPart(session.id, 1, partOf(port, 1));
    await port.uploadPart(session.id, 2, 'tail');
    await port.abort(session.id);
    expect(await port.get(session.id)).toBeNull();
    expect(await kindOf(() => port.uploadPart(session.id, 3, 'x'))).toBe('NotFound');
    expect(await options.store().exists(key)).toBe(false);
    if (options.leftovers) expect(await options.leftovers(session.id, key)).toBe(0);
  });

  cases.case('expiry sweeps stale sessions and their parts', async (c) => {
    const { port, ns, options } = c;
    if (options.advanceClock === undefined) c.skip('has no clock the suite can move (options.advanceClock)');
    const stale = await port.create(`${ns}/stale`, { expiresIn: 60 });
    await port.uploadPart(stale.id, 1, 'x');
    const fresh = await port.create(`${ns}/fresh`, { expiresIn: 3600 });
    options.advanceClock!(120_000);
    expect(await kindOf(() => port.uploadPart(stale.id, 2, 'y'))).toBe('NotFound');
    expect(await port.expire()).toBeGreaterThanOrEqual(1);
    expect(await port.get(stale.id)).toBeNull();
    expect(await port.get(fresh.id)).not.toBeNull();
    if (options.leftovers) expect(await options.leftovers(stale.id, `${ns}/stale`)).toBe(0);
    await port.abort(fresh.id);
  });

  cases.case('a session continues after a restart between parts', async (c) => {
    const { port, ns, options } = c;
    if (options.restart === undefined) c.skip('has no second instance over the same state (options.restart)');
    const key = `${ns}/restarted`;
    const session = await port.create(key);
    await port.uploadPart(session.id, 1, partOf(port, 1));
    const after = await options.restart!();
    expect((await after.get(session.id))?.key).toBe(key);
    await after.uploadPart(session.id, 2, 'tail');
    await after.complete(session.id);
    expect((await objectText(options.store(), key))?.length).toBe(partOf(port, 1).length + 4);
  });

  cases.case('open sessions are listed, oldest first', async ({ port, ns, options }) => {
    const a = await port.create(`${ns}/a`);
    // Later by the implementation's clock (a manual clock does not move by itself).
    if (options.advanceClock) options.advanceClock(1000);
    else await new Promise((resolve) => setTimeout(resolve, 5));
    const b = await port.create(`${ns}/b`);
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await port.list({ limit: 100, ...(cursor === undefined ? {} : { cursor }) });
      ids.push(...page.items.map((s) => s.id));
      cursor = page.cursor;
    } while (cursor !== undefined);
    expect(ids.indexOf(a.id)).toBeGreaterThanOrEqual(0);
    expect(ids.indexOf(a.id)).toBeLessThan(ids.indexOf(b.id));
    await port.abort(a.id);
    await port.abort(b.id);
  });
}

const CATEGORIES: ReadonlyArray<Category<SessionCase>> = [
  ['assembly', registerAssemblyCases],
  ['refusals', registerRefusalCases],
  ['lifetime', registerLifetimeCases],
];

/**
 * Registers the UploadSessions contract: out-of-order and re-sent parts, gaps, minimum part
 * sizes, integrity, conditional completion, abort and expiry leaving nothing behind, and a
 * session continued by another instance (a restarted process).
 */
export function describeUploadSessionsConformance(options: UploadSessionsConformanceOptions): void {
  describePortSuite<UploadSessions, UploadSessionsConformanceOptions>(
    'UploadSessions conformance',
    options,
    CATEGORIES,
    async () => {},
  );
}

export function uploadSessionsConformanceCaseNames(): string[] {
  return caseNames(CATEGORIES);
}
