import { createHash, randomBytes } from 'node:crypto';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { isStorageError, readBytes } from '@stowage/core';
import { ManualClock, MemoryJobStateStore } from '@stowage/memory';
import { describeWithServer } from '@stowage/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { S3BucketAdmin } from '../src/index.js';
import { S3UploadSessions } from '../src/sessions/s3-upload-sessions.js';
import { dropBucket, freshBucket, S3ObjectStore, storeConfig } from './support.js';

const MiB = 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function kindOf(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return isStorageError(error) ? error.kind : `foreign: ${String(error)}`;
  }
}

/** presignPart / listStoredParts: parts a client sends straight to the server, assembled at completion. */
for (const server of ['seaweedfs', 'moto'] as const) {
  describeWithServer(server, (target) => {
    describe(`S3UploadSessions presigned parts on ${server}`, () => {
      let admin: S3BucketAdmin;
      let bucket: string;
      let store: S3ObjectStore;
      const clock = new ManualClock(new Date());
      const jobs = new MemoryJobStateStore({ clock });
      let sessions: S3UploadSessions;

      beforeAll(async () => {
        ({ admin, bucket } = await freshBucket(target, `presign-parts-${server}`));
        store = new S3ObjectStore(storeConfig(target, bucket));
        sessions = new S3UploadSessions({ store, jobs, clock });
      });
      afterAll(async () => {
        store?.destroy();
        if (admin !== undefined) await dropBucket(admin, bucket);
      });

      const put = async (url: string, headers: Record<string, string>, body: Buffer) => {
        const response = await fetch(url, { method: 'PUT', headers, body });
        const text = await response.text();
        expect(response.status, text).toBe(200);
        return response.headers.get('etag')!;
      };
      const pending = async (id: string) =>
        (
          await store.client.send(
            new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: sessions.stagingKey(id) }),
          )
        ).Uploads?.length ?? 0;

      it('assembles parts PUT straight to the server, and parts sent through uploadPart, in number order', async () => {
        const parts = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(123_457)];
        const session = await sessions.create('presigned/whole.bin');
        const first = await sessions.presignPart(session.id, 1, { expiresIn: 300 });
        expect(first.method).toBe('PUT');
        expect(first.url).toMatch(/X-Amz-Signature=/);
        const etag1 = await put(first.url, first.headers, parts[0]!);
        await sessions.uploadPart(session.id, 2, parts[1]!);
        const third = await sessions.presignPart(session.id, 3, { expiresIn: 300 });
        await put(third.url, third.headers, parts[2]!);
        const stored = await sessions.listStoredParts(session.id);
        expect(stored.map((p) => [p.number, p.size])).toEqual([
          [1, 5 * MiB],
          [2, 5 * MiB],
          [3, 123_457],
        ]);
        expect(stored[0]!.etag.replaceAll('"', '')).toBe(etag1.replaceAll('"', ''));
        // listParts shows what came through uploadPart only (the only parts with a known sha256).
        expect((await sessions.listParts(session.id)).map((p) => p.number)).toEqual([2]);
        const whole = Buffer.concat(parts);
        const info = await sessions.complete(session.id, { sha256: sha(whole) });
        expect(info.size).toBe(whole.length);
        expect(info.sha256).toBe(sha(whole));
        expect(sha(await readBytes((await store.get('presigned/whole.bin')).body))).toBe(sha(whole));
        expect(await sessions.get(session.id)).toBeNull();
        expect(await pending(session.id)).toBe(0);
      });

      it('a part PUT again through a new URL replaces the earlier one (SeaweedFS: refused as ambiguous); a wrong sha256 keeps the session open', async () => {
        const session = await sessions.create('presigned/replaced.bin');
        const one = await sessions.presignPart(session.id, 1, { expiresIn: 60 });
        await put(one.url, one.headers, Buffer.from('first version'));
        const again = await sessions.presignPart(session.id, 1, { expiresIn: 60 });
        await put(again.url, again.headers, Buffer.from('second'));
        if (server === 'seaweedfs') {
          // SeaweedFS 4.48 lists both uploads of part 1 (in either order, same LastModified):
          // completing would assemble either, so the session refuses instead of guessing.
          expect(await kindOf(() => sessions.complete(session.id))).toBe('Conflict');
          expect(await store.exists('presigned/replaced.bin')).toBe(false);
          await sessions.abort(session.id);
          return;
        }
        expect(
          await kindOf(() => sessions.complete(session.id, { sha256: sha(Buffer.from('first version')) })),
        ).toBe('Integrity');
        expect(await store.exists('presigned/replaced.bin')).toBe(false);
        const info = await sessions.complete(session.id, { sha256: sha(Buffer.from('second')) });
        expect(info.size).toBe(6);
        expect(await readBytes((await store.get('presigned/replaced.bin')).body)).toEqual(
          Buffer.from('second'),
        );
      });

      it('refuses a gap or a small part before the last, and leaves nothing on abort', async () => {
        const session = await sessions.create('presigned/aborted.bin');
        const two = await sessions.presignPart(session.id, 2, { expiresIn: 60 });
        await put(two.url, two.headers, Buffer.from('two'));
        expect(await kindOf(() => sessions.complete(session.id))).toBe('InvalidInput');
        const one = await sessions.presignPart(session.id, 1, { expiresIn: 60 });
        await put(one.url, one.headers, Buffer.from('one'));
        expect(await kindOf(() => sessions.complete(session.id))).toBe('InvalidInput');
        expect(await pending(session.id)).toBe(1);
        await sessions.abort(session.id);
        expect(await pending(session.id)).toBe(0);
        expect(await store.exists('presigned/aborted.bin')).toBe(false);
        expect(await kindOf(() => sessions.presignPart(session.id, 1, { expiresIn: 60 }))).toBe('NotFound');
        expect(await kindOf(() => sessions.listStoredParts(session.id))).toBe('NotFound');
      });

      it('checks the part number and the expiry', async () => {
        const session = await sessions.create('presigned/checks.bin');
        for (const [n, expiresIn] of [
          [0, 60],
          [10_001, 60],
          [1, 0],
          [1, 604_801],
          [1, 1.5],
        ] as const) {
          expect(
            await kindOf(() => sessions.presignPart(session.id, n, { expiresIn })),
            `${n} ${expiresIn}`,
          ).toBe('InvalidInput');
        }
        await sessions.abort(session.id);
      });
    });
  });
}
