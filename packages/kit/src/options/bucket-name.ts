import { StorageError } from '@stowage/core';

/** Why a bucket name breaks the S3 naming rules (the strictest common set), or undefined. */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return 'must be 3 to 63 characters';
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'must be lower-case letters, digits, "." or "-", starting and ending with a letter or digit';
  }
  if (name.includes('..')) return 'must not contain ".."';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'must not look like an IP address';
  if (name.startsWith('xn--') || name.startsWith('sthree-')) return 'must not start with "xn--" or "sthree-"';
  if (name.endsWith('-s3alias') || name.endsWith('--ol-s3'))
    return 'must not end with "-s3alias" or "--ol-s3"';
  return undefined;
}

/** @throws InvalidInput for an invalid bucket name. */
export function assertBucketName(name: string, ctx: { operation?: string; backend?: string } = {}): void {
  const problem = bucketNameProblem(name);
  if (problem !== undefined) {
    throw new StorageError('InvalidInput', `Invalid bucket name ${JSON.stringify(name)}: ${problem}`, ctx);
  }
}
