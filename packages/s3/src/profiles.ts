/**
 * Provider quirks as data. Everything that differs between S3 implementations lives here,
 * so the adapter code has no `if (provider === …)` branches. Values were checked against
 * the real servers this repository tests with (moto 5.2.5 standing in for AWS, SeaweedFS
 * 4.48); see the README of this package for the findings.
 */
export type S3Provider = 'aws' | 'spaces' | 'seaweedfs' | 'r2' | 'generic';

export type ChecksumMode = 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';

/**
 * How ListObjectsV2 orders its results: `lexicographic` (UTF-8 byte order, StartAfter by byte
 * position, as S3 specifies) or `tree` (a walk of the server's directory tree: a folder's keys
 * right after its name, StartAfter skipping whole folders). The adapter lists in byte order
 * either way; this tells it how to get there (see `list/tree-walk.ts`).
 */
export type ListOrder = 'lexicographic' | 'tree';

export interface S3Profile {
  readonly provider: S3Provider;
  /** Path-style URLs (`endpoint/bucket/key`) instead of virtual-hosted (`bucket.endpoint/key`). */
  readonly forcePathStyle: boolean;
  /**
   * Since SDK 3.729 the client sends CRC32 checksums (aws-chunked trailers for streams) by
   * default; several S3-compatible servers reject or mis-store them, so non-AWS profiles
   * only send checksums an operation requires.
   */
  readonly requestChecksumCalculation: ChecksumMode;
  readonly responseChecksumValidation: ChecksumMode;
  /** Add Content-MD5 to DeleteObjects when absent: older S3 servers require exactly that header. */
  readonly deleteObjectsContentMd5: boolean;
  /**
   * Canned ACLs (`public-read` / `private`) are honoured: an anonymous GET of a `public-read`
   * object succeeds. Without it `visibility: 'public'` is Unsupported (capability `visibility` false).
   */
  readonly acl: boolean;
  /** If-None-Match: * on PutObject and CompleteMultipartUpload is enforced atomically. */
  readonly writeIfNoneMatch: boolean;
  /** If-Match on PutObject and CompleteMultipartUpload is enforced atomically. */
  readonly writeIfMatch: boolean;
  /** If-None-Match: * on CompleteMultipartUpload is enforced (large conditional creates). */
  readonly multipartIfNoneMatch: boolean;
  /** If-Match on CompleteMultipartUpload is enforced (large compare-and-swap writes). */
  readonly multipartIfMatch: boolean;
  /**
   * If-None-Match / If-Match on CopyObject's destination are enforced. Without it a conditional
   * copy streams the bytes through the client into a conditional PutObject (still atomic).
   */
  readonly copyConditionalWrite: boolean;
  /** Bucket lifecycle (expiration) rules. */
  readonly lifecycle: boolean;
  /** The server drops user metadata whose value is empty; the adapter records such names itself. */
  readonly dropsEmptyMetadataValues: boolean;
  /**
   * Browser-form POST uploads with a signed policy are accepted and their `content-length-range`
   * enforced: `presignPut({ maxSize })` answers with such a POST. Without it `maxSize` is Unsupported.
   */
  readonly postPolicy: boolean;
  /** The server's listing order; byte order is produced from either. */
  readonly listOrder: ListOrder;
  /** Largest object a single upload may create. */
  readonly maxObjectSize: number;
  /** Largest object CopyObject can copy in one request. */
  readonly maxCopySize: number;
  /** Region used when the configuration names none. */
  readonly defaultRegion: string;
  /** Endpoint template (`{region}` substituted) when the configuration names none. */
  readonly endpointTemplate?: string;
  /**
   * The form of the endpoint, when the provider has no fixed one and the configuration must
   * name it (an account-specific host): without `endpoint` (or a `client`) the configuration
   * is invalid, and the message shows this.
   */
  readonly endpointRequired?: string;
}

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
const TiB = 1024 ** 4;

export const S3_PROFILES: Readonly<Record<S3Provider, S3Profile>> = {
  aws: {
    provider: 'aws',
    forcePathStyle: false,
    requestChecksumCalculation: 'WHEN_SUPPORTED',
    responseChecksumValidation: 'WHEN_SUPPORTED',
    deleteObjectsContentMd5: false,
    // New buckets have ACLs disabled (Object Ownership "bucket owner enforced") since April
    // 2023; a bucket that re-enabled them can opt in with `overrides: { acl: true }`.
    acl: false,
    writeIfNoneMatch: true,
    writeIfMatch: true,
    multipartIfNoneMatch: true,
    multipartIfMatch: true,
    copyConditionalWrite: true,
    lifecycle: true,
    dropsEmptyMetadataValues: false,
    postPolicy: true,
    listOrder: 'lexicographic',
    maxObjectSize: 5 * TiB,
    maxCopySize: 5 * GiB,
    defaultRegion: 'us-east-1',
  },
  spaces: {
    provider: 'spaces',
    forcePathStyle: false,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    deleteObjectsContentMd5: true,
    acl: true,
    // Spaces documents no conditional writes; claiming them untested would be a lie.
    writeIfNoneMatch: false,
    writeIfMatch: false,
    multipartIfNoneMatch: false,
    multipartIfMatch: false,
    copyConditionalWrite: false,
    lifecycle: true,
    dropsEmptyMetadataValues: false,
    // Spaces documents presigned URLs but not POST Object uploads; unproven, so not claimed.
    postPolicy: false,
    listOrder: 'lexicographic',
    maxObjectSize: 5 * TiB,
    maxCopySize: 5 * GiB,
    defaultRegion: 'nyc3',
    endpointTemplate: 'https://{region}.digitaloceanspaces.com',
  },
  seaweedfs: {
    provider: 'seaweedfs',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    deleteObjectsContentMd5: true,
    // 4.48 accepts `x-amz-acl: public-read` but neither records the grant (GetObjectAcl shows
    // only the owner) nor serves the object anonymously (403).
    acl: false,
    writeIfNoneMatch: true,
    writeIfMatch: true,
    multipartIfNoneMatch: true,
    multipartIfMatch: true,
    copyConditionalWrite: true,
    lifecycle: true,
    // 4.48 silently drops `x-amz-meta-*` headers whose value is empty.
    dropsEmptyMetadataValues: true,
    // 4.48 enforces the policy: size range, expiry, signature (test/presign-post.test.ts).
    postPolicy: true,
    // 4.48 walks its directory tree: `a/b` lists before `a!`, and StartAfter 'a' skips `a/…`.
    listOrder: 'tree',
    maxObjectSize: 5 * TiB,
    maxCopySize: 5 * GiB,
    defaultRegion: 'us-east-1',
  },
  // From Cloudflare's R2 documentation (S3 API compatibility, Extensions, Presigned URLs,
  // Limits); tested against SeaweedFS as a stand-in (test/r2-profile.seaweedfs.test.ts).
  r2: {
    provider: 'r2',
    // R2 answers both addressing styles; path style needs no per-bucket host name.
    forcePathStyle: true,
    // R2 has CRC32 only as a composite (multipart) checksum: the SDK's default full-object
    // CRC32 on every request is refused, so checksums go only where an operation needs one.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    deleteObjectsContentMd5: true,
    // No ACLs: x-amz-acl and the grant headers are not implemented; public access is per
    // bucket (r2.dev or a custom domain), so per-object visibility is Unsupported.
    acl: false,
    // PutObject honours If-Match and If-None-Match (412 when the state differs): an R2 extension.
    writeIfNoneMatch: true,
    writeIfMatch: true,
    // CompleteMultipartUpload documents no conditions: large conditional writes are refused.
    multipartIfNoneMatch: false,
    multipartIfMatch: false,
    // Conditions on a copy's destination exist only as R2's own cf-copy-destination-if-*
    // headers (beta), not the standard ones: a conditional copy streams into a conditional put.
    copyConditionalWrite: false,
    // PutBucketLifecycleConfiguration / GetBucketLifecycleConfiguration are implemented.
    lifecycle: true,
    dropsEmptyMetadataValues: false,
    // Presigned URLs support GET, HEAD, PUT and DELETE; POST (HTML form uploads) is not supported.
    postPolicy: false,
    listOrder: 'lexicographic',
    // 5 TiB less 5 GiB per object; one request (a PutObject, a part, a copy) at most 5 GiB less 5 MiB.
    maxObjectSize: 5 * TiB - 5 * GiB,
    maxCopySize: 5 * GiB - 5 * MiB,
    // The bucket region is "auto" (an empty region and us-east-1 alias to it).
    defaultRegion: 'auto',
    endpointRequired: 'https://<ACCOUNT_ID>.r2.cloudflarestorage.com',
    // Not modelled as flags (no capability asks for them): object lock, object tagging and
    // versioning are not implemented; unicode metadata values are RFC 2047-encoded.
  },
  generic: {
    provider: 'generic',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    deleteObjectsContentMd5: true,
    // Unknown server: claim nothing that is not universal; opt in with `overrides`.
    acl: false,
    writeIfNoneMatch: false,
    writeIfMatch: false,
    multipartIfNoneMatch: false,
    multipartIfMatch: false,
    copyConditionalWrite: false,
    lifecycle: false,
    dropsEmptyMetadataValues: false,
    postPolicy: false,
    listOrder: 'lexicographic',
    maxObjectSize: 5 * TiB,
    maxCopySize: 5 * GiB,
    defaultRegion: 'us-east-1',
  },
};

/** Quirks a configuration may override (everything but the provider's name). */
export type S3ProfileOverrides = Partial<Omit<S3Profile, 'provider'>>;

export function resolveProfile(provider: S3Provider, overrides: S3ProfileOverrides = {}): S3Profile {
  return { ...S3_PROFILES[provider], ...overrides };
}
