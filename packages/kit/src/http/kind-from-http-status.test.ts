import { ERROR_KINDS } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { kindFromHttpStatus } from './kind-from-http-status.js';

describe('kindFromHttpStatus', () => {
  it('maps HTTP statuses to kinds', () => {
    const table: Array<[number, string]> = [
      [400, 'InvalidInput'],
      [403, 'PermissionDenied'],
      [404, 'NotFound'],
      [409, 'Conflict'],
      [412, 'PreconditionFailed'],
      [413, 'PayloadTooLarge'],
      [429, 'RateLimited'],
      [501, 'Unsupported'],
      [503, 'Unavailable'],
      [504, 'Timeout'],
      [599, 'Unavailable'],
      [418, 'Unexpected'],
    ];
    for (const [status, kind] of table) expect(kindFromHttpStatus(status)).toBe(kind);
    for (const [, kind] of table) expect(ERROR_KINDS).toContain(kind);
  });
});
