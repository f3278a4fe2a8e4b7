import { BaseUrlCdn } from '@stowage/cdn';
import type { Cdn } from '@stowage/core';
import { S3BucketAdmin, type S3Credentials, S3ObjectStore, S3UploadSessions } from '@stowage/s3';
import { SeaweedFsObjectStore } from '@stowage/seaweedfs';
import { SpacesObjectStore } from '@stowage/spaces';
import type { ParsedRuntimeConfig, SideMode } from '../config/runtime-config.js';
import type { Backend, BackendContext } from './backend.js';

type S3Settings = NonNullable<ParsedRuntimeConfig['s3']>;
type S3Mode = Extract<SideMode, 's3' | 'spaces' | 'seaweedfs'>;

/**
 * s3, spaces and seaweedfs modes: the S3 adapter with the provider's profile, the bucket's
 * admin, native multipart upload sessions (state in the job state store), and a CDN in
 * front of the bucket when `s3.cdnUrl` is set.
 * @throws ConfigInvalid from the adapter for a setting it refuses.
 */
export async function s3Backend(
  context: BackendContext,
  mode: S3Mode,
  settings: S3Settings = {},
): Promise<Backend> {
  const { clock } = context;
  // preflight() has checked what each mode requires.
  const bucket = settings.bucket!;
  const credentials = credentialsOf(settings);
  let store: S3ObjectStore;
  let cdn: Cdn | null = null;
  if (mode === 'spaces') {
    store = new SpacesObjectStore({
      region: settings.region!,
      bucket,
      key: credentials!.accessKeyId,
      secret: credentials!.secretAccessKey,
      clock,
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
    });
  } else {
    const common = {
      bucket,
      clock,
      region: settings.region ?? 'us-east-1',
      ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
      ...(settings.forcePathStyle === undefined ? {} : { forcePathStyle: settings.forcePathStyle }),
      ...(credentials === undefined ? {} : { credentials }),
      ...(settings.cdnUrl === undefined ? {} : { publicUrlBase: settings.cdnUrl }),
    };
    store =
      mode === 'seaweedfs'
        ? new SeaweedFsObjectStore(common)
        : new S3ObjectStore({ ...common, provider: settings.provider ?? 'aws' });
  }
  if (settings.cdnUrl !== undefined) cdn = new BaseUrlCdn({ baseUrl: settings.cdnUrl, name: `${mode}-cdn` });
  // The admin shares the store's client (and so its sockets and credentials).
  const admin = new S3BucketAdmin({
    client: store.client,
    provider: store.config.provider,
    name: store.name,
  });
  return {
    store,
    cdn,
    bucketAdmin: { admin, bucket },
    uploadSessions: new S3UploadSessions({ store, jobs: context.database.jobs, clock, namespace: mode }),
    close: async () => {
      store.destroy();
    },
  };
}

function credentialsOf(settings: S3Settings): S3Credentials | undefined {
  const { accessKeyId, secretAccessKey, sessionToken } = settings;
  if (accessKeyId === undefined || secretAccessKey === undefined) return undefined;
  return { accessKeyId, secretAccessKey, ...(sessionToken === undefined ? {} : { sessionToken }) };
}
