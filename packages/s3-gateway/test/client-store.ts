import type { Capabilities, ObjectStore } from '@stowage/core';
import { S3ObjectStore } from '@stowage/s3';
import type { OffsetClock } from '@stowage/testkit';
import type { GatewayBucket } from '../src/index.js';
import type { RunningGateway } from './support.js';

/**
 * The s3 adapter pointed at the gateway, claiming what the gateway offers over `bucket`'s
 * store: conditional writes and canned ACLs where the store has them, and the store's
 * file/folder rule (a local store cannot hold `a` and `a/b` at once, whatever the protocol).
 */
export function gatewayClientStore(
  gw: RunningGateway,
  bucket: GatewayBucket,
  options: { clock?: OffsetClock; checksums?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' } = {},
): S3ObjectStore {
  const caps = bucket.store.capabilities;
  const store = new S3ObjectStore({
    provider: 'generic',
    endpoint: gw.url,
    region: gw.region,
    forcePathStyle: true,
    bucket: bucket.name,
    credentials: { accessKeyId: gw.accessKeyId, secretAccessKey: gw.secretAccessKey },
    requestChecksumCalculation: options.checksums ?? 'WHEN_SUPPORTED',
    responseChecksumValidation: options.checksums ?? 'WHEN_SUPPORTED',
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    overrides: {
      acl: caps.visibility,
      writeIfNoneMatch: caps.writeIfNoneMatch,
      writeIfMatch: caps.writeIfMatch,
      multipartIfNoneMatch: caps.writeIfNoneMatch,
      multipartIfMatch: false,
      copyConditionalWrite: caps.writeIfNoneMatch,
    },
  });
  const claimed: Capabilities = { ...store.capabilities, fileFolderConflict: caps.fileFolderConflict };
  Object.defineProperty(store, 'capabilities', { value: Object.freeze(claimed) });
  return store;
}

export type { ObjectStore };
