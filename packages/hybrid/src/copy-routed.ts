import {
  type Capabilities,
  type CopyOptions,
  type ObjectInfo,
  type PutOptions,
  StorageError,
} from '@stowage/core';
import { etagsMatch } from '@stowage/kit';
import { locate } from './read-routed.js';
import type { Op } from './router.js';
import { writeRouted } from './write-routed.js';

/**
 * Copies `from` to `to` within or across sides; the caller holds `to`'s exclusive lock and
 * `from`'s shared (or exclusive) lock. The destination is written by the write protocol
 * (`writeRouted`), so it lands on its routed side and any other copy of it is removed.
 * Server-side when the source's fresh copy and the destination's routed side are the same
 * backend and it can; streamed otherwise. `ifMatch` applies to the source, `ifNoneMatch` to
 * the destination on either side.
 * @throws NotFound for a missing source; PreconditionFailed when the source does not match
 * `ifMatch` or changed while it was streamed; AlreadyExists under `ifNoneMatch`.
 */
export async function copyRouted(
  op: Op,
  from: string,
  to: string,
  options: CopyOptions,
): Promise<ObjectInfo> {
  const source = await locate(op, from, options.signal);
  if (options.ifMatch !== undefined && !etagsMatch(source.info.etag, options.ifMatch)) {
    throw new StorageError(
      'PreconditionFailed',
      `Source ETag ${source.info.etag} does not match ${options.ifMatch}`,
      {
        key: from,
      },
    );
  }
  const conditions = { ifNoneMatch: options.ifNoneMatch, signal: options.signal };
  return writeRouted(op, to, 'copy', conditions, async (target, pass) => {
    if (source.store === target && target.capabilities.serverSideCopy) {
      const copyOptions: CopyOptions = { ...options };
      if (pass.ifNoneMatch !== undefined) copyOptions.ifNoneMatch = pass.ifNoneMatch;
      else delete copyOptions.ifNoneMatch;
      return target.copy(from, to, copyOptions);
    }
    const signalOpt = options.signal === undefined ? {} : { signal: options.signal };
    const got = await source.store.get(from, signalOpt);
    if (!etagsMatch(got.info.etag, source.info.etag)) {
      got.body.destroy();
      throw new StorageError('PreconditionFailed', 'The source changed while it was being copied', {
        key: from,
      });
    }
    const putOptions: PutOptions = {
      ...preservedPutOptions(got.info, target.capabilities, replacedFields(options)),
      contentLength: got.info.size,
      ...signalOpt,
    };
    if (pass.ifNoneMatch !== undefined) putOptions.ifNoneMatch = pass.ifNoneMatch;
    if (pass.ifMatch !== undefined) putOptions.ifMatch = pass.ifMatch;
    try {
      return await target.put(to, got.body, putOptions);
    } finally {
      if (!got.body.destroyed && !got.body.readableEnded) got.body.destroy();
    }
  });
}

/** What a copy may replace on the destination (everything else is the source's). */
type Replaced = Pick<
  PutOptions,
  'contentType' | 'cacheControl' | 'contentDisposition' | 'metadata' | 'visibility'
>;

/**
 * Put options that recreate `info` on a backend with `capabilities`: content type always,
 * and the headers, user metadata and visibility where the destination stores them (an
 * option a backend cannot honour would be `Unsupported`).
 */
export function preservedPutOptions(
  info: ObjectInfo,
  capabilities: Capabilities,
  overrides: Replaced = {},
): PutOptions {
  const out: PutOptions = { contentType: overrides.contentType ?? info.contentType };
  if (capabilities.contentHeaders) {
    const cacheControl = overrides.cacheControl ?? info.cacheControl;
    const contentDisposition = overrides.contentDisposition ?? info.contentDisposition;
    if (cacheControl !== undefined) out.cacheControl = cacheControl;
    if (contentDisposition !== undefined) out.contentDisposition = contentDisposition;
  }
  const metadata = overrides.metadata ?? info.metadata;
  if (capabilities.userMetadata && Object.keys(metadata).length > 0) out.metadata = metadata;
  const visibility = overrides.visibility ?? info.visibility;
  if (capabilities.visibility) out.visibility = visibility;
  return out;
}

function replacedFields(options: CopyOptions): Replaced {
  const out: Replaced = {};
  if (options.contentType !== undefined) out.contentType = options.contentType;
  if (options.cacheControl !== undefined) out.cacheControl = options.cacheControl;
  if (options.contentDisposition !== undefined) out.contentDisposition = options.contentDisposition;
  if (options.metadata !== undefined) out.metadata = options.metadata;
  if (options.visibility !== undefined) out.visibility = options.visibility;
  return out;
}
