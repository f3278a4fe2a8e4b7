import type { Visibility } from '@stowage/core';

/**
 * What kind of content an object is, deciding who may read it and how long caches keep it
 * (seed 000's PublicAsset, PublicData, PrivateData and Html).
 */
export type ContentCategory = 'public-asset' | 'public-data' | 'private-data' | 'html';

export interface CategoryPolicy {
  visibility: Visibility;
  cacheControl: string;
}

export const DEFAULT_CATEGORIES: Readonly<Record<ContentCategory, CategoryPolicy>> = {
  // Immutable bytes under content-addressed keys: cache for a year.
  'public-asset': { visibility: 'public', cacheControl: 'public, max-age=31536000, immutable' },
  // Public JSON that changes: short caching so updates show up.
  'public-data': { visibility: 'public', cacheControl: 'public, max-age=60' },
  'private-data': { visibility: 'private', cacheControl: 'private, no-store' },
  html: { visibility: 'public', cacheControl: 'public, max-age=300' },
};
