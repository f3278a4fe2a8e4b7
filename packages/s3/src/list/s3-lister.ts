import type { ListEntry } from '@stowage/core';
import type { ListQuery } from '@stowage/kit';
import type { ErrorContext } from '../error-map.js';
import type { S3StoreContext } from '../s3-store-context.js';
import { sdkListServer } from './list-server.js';
import { listEntries, type S3ListQuery } from './s3-listing.js';

/** At most this many keys per ListObjectsV2 request (S3's limit). */
const LIST_BATCH = 1000;

/**
 * The store's listing: the layer's query as ListObjectsV2 requests on this bucket, in byte
 * order whatever the server's order (see `s3-listing.ts`). A page asks for one entry more than
 * it holds up front, so the layer knows whether a cursor is due without a second request.
 */
export function listBucket(
  s3: S3StoreContext,
  query: ListQuery,
  ctx: ErrorContext,
): AsyncGenerator<ListEntry> {
  const s3Query: S3ListQuery = {
    prefix: query.prefix,
    pageSize: Math.min(LIST_BATCH, query.pageSize ?? LIST_BATCH),
  };
  if (query.operation === 'listPage' && query.limit !== undefined) {
    s3Query.firstPageSize = Math.min(LIST_BATCH, query.limit + 1);
  }
  if (query.delimiter !== undefined) s3Query.delimiter = query.delimiter;
  if (query.after !== undefined) s3Query.after = query.after;
  const server = sdkListServer(s3.client, s3.bucket, ctx, query.signal);
  return listEntries(server, s3.profile.listOrder, s3Query);
}
