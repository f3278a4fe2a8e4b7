import type { ErrorKind } from '@stowage/core';

/** Maps an HTTP status to a kind; adapters consult their own table first. */
export function kindFromHttpStatus(status: number): ErrorKind {
  switch (status) {
    case 400:
      return 'InvalidInput';
    case 401:
    case 403:
      return 'PermissionDenied';
    case 404:
      return 'NotFound';
    case 408:
      return 'Timeout';
    case 409:
      return 'Conflict';
    case 411:
      return 'InvalidInput';
    case 412:
      return 'PreconditionFailed';
    case 413:
      return 'PayloadTooLarge';
    case 416:
      return 'InvalidInput';
    case 429:
      return 'RateLimited';
    case 501:
      return 'Unsupported';
    case 500:
    case 502:
    case 503:
      return 'Unavailable';
    case 504:
      return 'Timeout';
    default:
      return status >= 500 ? 'Unavailable' : 'Unexpected';
  }
}
