import * as z from 'zod/mini';

/**
 * Spaces bucket names: 3–63 lower-case letters, digits and dashes, starting and ending
 * with a letter or digit. No dots: Spaces forbids them, and they would break TLS for
 * virtual-hosted and CDN hostnames.
 */
export const spacesBucketSchema = z
  .string('must be a bucket name')
  .check(
    z.regex(
      /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/,
      'must be 3 to 63 lower-case letters, digits or "-", starting and ending with a letter or digit',
    ),
  );

/** A DigitalOcean datacenter slug such as nyc3, ams3, sgp1, fra1. */
export const spacesRegionSchema = z
  .string('must be a region slug')
  .check(z.regex(/^[a-z]+[0-9]+$/, 'must be a DigitalOcean region slug such as "nyc3", "ams3" or "sgp1"'));

/** A bare host name (a custom CDN domain): no scheme, path or port. Normalised to lower case. */
export const hostnameSchema = z
  .string('must be a host name')
  .check(
    z.trim(),
    z.toLowerCase(),
    z.regex(
      /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$/,
      'must be a host name such as "cdn.example.com" (no scheme, path or port)',
    ),
  );

/** The Spaces origin host of a bucket, as the DigitalOcean API reports CDN origins. */
export function spacesOriginHost(bucket: string, region: string): string {
  return `${bucket}.${region}.digitaloceanspaces.com`;
}

/** The default Spaces CDN host of a bucket. */
export function spacesCdnHost(bucket: string, region: string): string {
  return `${bucket}.${region}.cdn.digitaloceanspaces.com`;
}
