import { compareKeys, isStorageError, isValidKey, type ListPage } from '@stowage/core';
import { S3Error, s3ErrorFrom } from '../http/s3-error.js';
import { s3UriEncode } from '../http/s3-request.js';
import { bucketOf, param, requireScope, type S3Call, sendXml } from './call.js';

const MAX_KEYS = 1000;

/** GET /bucket (V1) and GET /bucket?list-type=2 (V2). */
export async function listObjects(call: S3Call, version: 1 | 2): Promise<void> {
  requireScope(call, 'read');
  const bucket = await bucketOf(call);
  const prefix = param(call, 'prefix') ?? '';
  const delimiter = param(call, 'delimiter') ?? '';
  const encodingType = param(call, 'encoding-type');
  if (encodingType !== undefined && encodingType !== 'url') {
    throw new S3Error('InvalidArgument', 'Invalid Encoding Method specified in Request');
  }
  if (delimiter !== '' && delimiter !== '/') {
    throw new S3Error('NotImplemented', 'Only "/" is supported as a delimiter.');
  }
  const maxKeysText = param(call, 'max-keys');
  let maxKeys = MAX_KEYS;
  if (maxKeysText !== undefined) {
    if (!/^\d{1,9}$/.test(maxKeysText))
      throw new S3Error('InvalidArgument', 'max-keys must be a non-negative integer.');
    maxKeys = Math.min(MAX_KEYS, Number(maxKeysText));
  }
  const token = version === 2 ? param(call, 'continuation-token') : undefined;
  const startAfter = version === 2 ? param(call, 'start-after') : param(call, 'marker');
  let cursor: string | undefined;
  if (token !== undefined) {
    cursor = Buffer.from(token, 'base64url').toString('utf8');
    if (cursor === '') throw new S3Error('InvalidArgument', 'The continuation token provided is incorrect.');
  }

  let page: ListPage = { items: [], prefixes: [] };
  if (maxKeys > 0) {
    try {
      page = await bucket.store.listPage({
        ...(prefix === '' ? {} : { prefix }),
        ...(delimiter === '/' ? { delimiter: '/' as const } : {}),
        ...(cursor !== undefined
          ? { cursor }
          : startAfter !== undefined && startAfter !== ''
            ? { startAfter }
            : {}),
        limit: maxKeys,
      });
    } catch (error) {
      // A prefix or position no valid key can have: nothing is listed under it.
      if (isStorageError(error, 'InvalidKey')) page = { items: [], prefixes: [] };
      else if (isStorageError(error, 'InvalidInput') && cursor !== undefined) {
        throw new S3Error(
          'InvalidArgument',
          'The continuation token provided is incorrect.',
          {},
          { cause: error },
        );
      } else throw s3ErrorFrom(error);
    }
  }
  // A backend's own entries that are no Stowage key (SeaweedFS lists an emptied folder as `dir/`) are not objects.
  page = { ...page, items: page.items.filter((item) => isValidKey(item.key)) };
  const etags = await call.state.etags.ofSummaries(bucket, page.items);
  const enc = (text: string) => (encodingType === 'url' ? s3UriEncode(text, true) : text);
  const truncated = page.cursor !== undefined;
  const owner = { ID: call.state.owner.id, DisplayName: call.state.owner.displayName };
  const withOwner = version === 1 || param(call, 'fetch-owner') === 'true';
  const contents = page.items.map((item, i) => ({
    Key: enc(item.key),
    LastModified: item.lastModified,
    ETag: etags[i],
    Size: item.size,
    ...(withOwner ? { Owner: owner } : {}),
    StorageClass: 'STANDARD',
  }));
  const prefixes = page.prefixes.map((p) => ({ Prefix: enc(p) }));
  const common = {
    Name: bucket.name,
    Prefix: enc(prefix),
  };
  if (version === 2) {
    sendXml(call, 'ListBucketResult', {
      ...common,
      ...(startAfter !== undefined && token === undefined ? { StartAfter: enc(startAfter) } : {}),
      ...(token !== undefined ? { ContinuationToken: token } : {}),
      ...(truncated
        ? { NextContinuationToken: Buffer.from(page.cursor!, 'utf8').toString('base64url') }
        : {}),
      KeyCount: page.items.length + page.prefixes.length,
      MaxKeys: maxKeys,
      ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
      ...(encodingType !== undefined ? { EncodingType: encodingType } : {}),
      IsTruncated: truncated,
      Contents: contents,
      CommonPrefixes: prefixes,
    });
    return;
  }
  const lastKey = page.items.at(-1)?.key;
  const lastPrefix = page.prefixes.at(-1);
  const nextMarker =
    lastKey === undefined
      ? lastPrefix
      : lastPrefix === undefined
        ? lastKey
        : compareKeys(lastKey, lastPrefix) > 0
          ? lastKey
          : lastPrefix;
  sendXml(call, 'ListBucketResult', {
    ...common,
    Marker: enc(startAfter ?? ''),
    ...(truncated && nextMarker !== undefined ? { NextMarker: enc(nextMarker) } : {}),
    MaxKeys: maxKeys,
    ...(delimiter !== '' ? { Delimiter: enc(delimiter) } : {}),
    ...(encodingType !== undefined ? { EncodingType: encodingType } : {}),
    IsTruncated: truncated,
    Contents: contents,
    CommonPrefixes: prefixes,
  });
}
