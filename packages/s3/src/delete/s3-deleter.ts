import { DeleteObjectCommand, DeleteObjectsCommand } from '@aws-sdk/client-s3';
import type { DeleteManyResult } from '@stowage/core';
import { withDeleteObjectsContentMd5 } from '../client.js';
import { type ErrorContext, mapS3Error, s3ErrorCode } from '../error-map.js';
import type { S3StoreContext } from '../s3-store-context.js';

/** DeleteObject, and DeleteObjects for the batches of up to 1,000 valid keys the layer hands over. */
export class S3Deleter {
  constructor(private readonly s3: S3StoreContext) {}

  /** A missing key succeeds (some servers answer NoSuchKey). */
  async delete(key: string, signal: AbortSignal | undefined, ctx: ErrorContext): Promise<void> {
    try {
      await this.s3.client.send(new DeleteObjectCommand({ Bucket: this.s3.bucket, Key: key }), {
        abortSignal: signal,
      });
    } catch (error) {
      const mapped = mapS3Error(error, ctx, signal);
      if (mapped.kind === 'NotFound' && s3ErrorCode(mapped.cause) === 'NoSuchKey') return;
      throw mapped;
    }
  }

  /**
   * One DeleteObjects request; per-key failures (and a failed request) become per-key errors.
   * @throws Aborted (or Timeout) when `signal` aborts.
   */
  async deleteBatch(
    keys: readonly string[],
    signal: AbortSignal | undefined,
    ctx: ErrorContext,
  ): Promise<DeleteManyResult> {
    const result: DeleteManyResult = { deleted: 0, errors: [] };
    try {
      const command = withDeleteObjectsContentMd5(
        new DeleteObjectsCommand({
          Bucket: this.s3.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
        this.s3.profile.deleteObjectsContentMd5,
      );
      const out = await this.s3.client.send(command, { abortSignal: signal });
      const failed = (out.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
      result.deleted = keys.length - failed.length;
      for (const e of failed) {
        const key = e.Key ?? '';
        const cause = Object.assign(new Error(e.Message ?? e.Code ?? 'delete failed'), {
          name: e.Code ?? 'Unknown',
          $metadata: { requestId: out.$metadata.requestId },
        });
        result.errors.push({ key, error: mapS3Error(cause, { ...ctx, key }) });
      }
    } catch (error) {
      const mapped = mapS3Error(error, ctx, signal);
      if (mapped.kind === 'Aborted' || signal?.aborted) throw mapped;
      for (const key of keys) result.errors.push({ key, error: mapped.withContext({ key }) });
    }
    return result;
  }
}
