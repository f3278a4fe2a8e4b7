import type { Runtime } from '@stowage/runtime';
import type { AccessUrls, ApiKeys, ObjectStorage, Uploads } from '@stowage/services';
import type { JwtVerifier } from '../auth/jwt-verifier.js';
import type { ApiMetrics } from '../observability/metrics.js';

/** What route modules share: the runtime and the services resolved from its container once. */
export interface ApiContext {
  readonly runtime: Runtime;
  readonly storage: ObjectStorage;
  readonly uploads: Uploads;
  readonly accessUrls: AccessUrls;
  readonly keys: ApiKeys;
  readonly jwt: JwtVerifier | undefined;
  readonly metrics: ApiMetrics;
  /** Largest upload accepted in one request. */
  readonly maxUploadBytes: number;
}

/** Keys under this prefix are the service's own (the trash of soft deletes): never listed, never uploaded to. */
export const RESERVED_PREFIX = '.stowage/';

export function trashKeyOf(key: string): string {
  return `${RESERVED_PREFIX}trash/${key}`;
}
