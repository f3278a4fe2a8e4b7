import { baseUrlSchema, parseConfig } from '@stowage/kit';
import { notBesideClient, type ParsedS3StoreConfig, type S3StoreConfig, s3StoreSettings } from '@stowage/s3';
import * as z from 'zod/mini';

/** Configuration of `SeaweedFsObjectStore`: the S3 store settings (the provider is `seaweedfs`) plus the filer. */
export interface SeaweedFsStoreConfig extends Omit<S3StoreConfig, 'provider'> {
  /** The filer's HTTP endpoint (e.g. `http://127.0.0.1:8888`); needed only for `putWithTtl`. */
  filerEndpoint?: string;
  /** Where the S3 gateway keeps buckets in the filer (`weed s3 -filer.path`, default `/buckets`). */
  bucketsPath?: string;
}

/** The filer part of a parsed configuration. */
export interface ParsedSeaweedFsFiler {
  /** Normalised to end with "/". */
  endpoint?: string;
  /** Absolute, without a trailing "/". */
  bucketsPath: string;
}

type ParsedInput = Omit<SeaweedFsStoreConfig, 'credentials'> & {
  credentials?: ParsedS3StoreConfig['credentials'];
};

const { provider: _provider, ...s3Settings } = s3StoreSettings;

export const seaweedFsStoreConfigSchema: z.ZodMiniType<ParsedInput, SeaweedFsStoreConfig> = z
  .strictObject({
    ...s3Settings,
    filerEndpoint: z.optional(baseUrlSchema()),
    bucketsPath: z.optional(
      z
        .string('must be an absolute filer path')
        .check(z.regex(/^\/[^?#]*$/, 'must be an absolute filer path such as "/buckets"')),
    ),
  })
  .check(notBesideClient<SeaweedFsStoreConfig>());

/**
 * Splits a SeaweedFS configuration into the S3 store's (provider `seaweedfs`) and the filer's.
 * @throws ConfigInvalid naming each bad setting ("Invalid seaweedfs configuration: …").
 */
export function parseSeaweedFsStoreConfig(config: SeaweedFsStoreConfig): {
  s3: S3StoreConfig;
  filer: ParsedSeaweedFsFiler;
} {
  const { filerEndpoint, bucketsPath, ...s3 } = parseConfig(seaweedFsStoreConfigSchema, config, 'seaweedfs');
  const filer: ParsedSeaweedFsFiler = { bucketsPath: (bucketsPath ?? '/buckets').replace(/\/+$/, '') };
  if (filerEndpoint !== undefined) filer.endpoint = filerEndpoint;
  return { s3: { ...s3, provider: 'seaweedfs' }, filer };
}
