/** S3's limit on parts per multipart upload. */
export const MAX_PARTS = 10_000;
/** S3's largest part. */
export const MAX_PART_SIZE = 5 * 1024 ** 3;

/**
 * The part size for a multipart upload of `total` bytes: the configured one, or larger when
 * `total` would need more than 10,000 parts (S3's limit). With an unknown length the configured
 * size stays, and the stream is limited to `partSize × 10,000` bytes.
 */
export function partSizeFor(partSize: number, total: number | undefined): number {
  if (total === undefined || total <= partSize * MAX_PARTS) return partSize;
  return Math.min(MAX_PART_SIZE, Math.ceil(total / MAX_PARTS));
}
