import { isStorageError, type StorageError } from '@stowage/core';

/** The S3 error codes this gateway answers with, their HTTP status and S3's own wording. */
export const S3_ERROR_CODES = {
  AccessDenied: [403, 'Access Denied'],
  AuthorizationHeaderMalformed: [400, 'The authorization header is malformed.'],
  AuthorizationQueryParametersError: [400, 'The presigned query parameters are malformed.'],
  BadDigest: [400, 'The Content-MD5 or checksum you specified did not match what we received.'],
  BucketAlreadyExists: [409, 'The requested bucket name is not available.'],
  BucketAlreadyOwnedByYou: [
    409,
    'Your previous request to create the named bucket succeeded and you already own it.',
  ],
  BucketNotEmpty: [409, 'The bucket you tried to delete is not empty.'],
  EntityTooLarge: [400, 'Your proposed upload exceeds the maximum allowed object size.'],
  EntityTooSmall: [400, 'Your proposed upload is smaller than the minimum allowed object size.'],
  IncompleteBody: [
    400,
    'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  ],
  InternalError: [500, 'We encountered an internal error. Please try again.'],
  InvalidAccessKeyId: [403, 'The AWS Access Key Id you provided does not exist in our records.'],
  InvalidArgument: [400, 'Invalid Argument'],
  InvalidBucketName: [400, 'The specified bucket is not valid.'],
  InvalidChunkSizeError: [403, 'Only the last chunk is allowed to have a size less than 8192 bytes'],
  InvalidDigest: [400, 'The Content-MD5 or checksum you specified is not valid.'],
  InvalidObjectState: [403, 'The operation is not valid for the current state of the object.'],
  InvalidPart: [400, 'One or more of the specified parts could not be found.'],
  InvalidPartOrder: [400, 'The list of parts was not in ascending order.'],
  InvalidRange: [416, 'The requested range is not satisfiable'],
  InvalidRequest: [400, 'Invalid Request'],
  InvalidURI: [400, "Couldn't parse the specified URI."],
  KeyTooLongError: [400, 'Your key is too long'],
  MalformedXML: [
    400,
    'The XML you provided was not well-formed or did not validate against our published schema.',
  ],
  MethodNotAllowed: [405, 'The specified method is not allowed against this resource.'],
  MissingContentLength: [411, 'You must provide the Content-Length HTTP header.'],
  MissingSecurityHeader: [400, 'Your request is missing a required header.'],
  NoSuchBucket: [404, 'The specified bucket does not exist'],
  NoSuchKey: [404, 'The specified key does not exist.'],
  NoSuchUpload: [404, 'The specified multipart upload does not exist.'],
  NotImplemented: [501, 'A header or query you provided implies functionality that is not implemented.'],
  OperationAborted: [
    409,
    'A conflicting conditional operation is currently in progress against this resource.',
  ],
  PreconditionFailed: [412, 'At least one of the preconditions you specified did not hold.'],
  RequestTimeTooSkewed: [403, "The difference between the request time and the server's time is too large."],
  RequestTimeout: [
    400,
    'Your socket connection to the server was not read from or written to within the timeout period.',
  ],
  ServiceUnavailable: [503, 'Please reduce your request rate.'],
  SignatureDoesNotMatch: [
    403,
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
  SlowDown: [503, 'Please reduce your request rate.'],
  XAmzContentSHA256Mismatch: [
    400,
    "The provided 'x-amz-content-sha256' header does not match what was computed.",
  ],
} as const satisfies Record<string, readonly [number, string]>;

export type S3ErrorCode = keyof typeof S3_ERROR_CODES;

/** An S3 error answer: code, HTTP status, message and the extra elements S3 puts in its XML. */
export class S3Error extends Error {
  override readonly name = 'S3Error';
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message?: string,
    /** Extra XML elements (`Key`, `BucketName`, `UploadId`, …), never a secret. */
    readonly extra: Readonly<Record<string, string>> = {},
    options: { cause?: unknown; status?: number } = {},
  ) {
    super(
      message ?? S3_ERROR_CODES[code][1],
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.status = options.status ?? S3_ERROR_CODES[code][0];
  }
}

export function isS3Error(error: unknown): error is S3Error {
  return error instanceof S3Error;
}

/** What a failed store call was doing, so a NotFound can become NoSuchKey, NoSuchUpload or NoSuchBucket. */
export type ErrorSubject = 'object' | 'upload' | 'bucket' | 'body';

/**
 * A store's `StorageError` as S3 would answer it. Messages of kinds whose text may carry backend
 * detail (Unexpected, ConfigInvalid) are not passed on.
 */
export function s3ErrorFrom(error: unknown, subject: ErrorSubject = 'object'): S3Error {
  if (isS3Error(error)) return error;
  if (!isStorageError(error)) return new S3Error('InternalError', undefined, {}, { cause: error });
  const e = error as StorageError;
  const message = e.message;
  switch (e.kind) {
    case 'NotFound':
      if (subject === 'upload') return new S3Error('NoSuchUpload', undefined, {}, { cause: e });
      if (subject === 'bucket') return new S3Error('NoSuchBucket', undefined, {}, { cause: e });
      return new S3Error('NoSuchKey', undefined, {}, { cause: e });
    case 'AlreadyExists':
      if (subject === 'bucket') return new S3Error('BucketAlreadyOwnedByYou', undefined, {}, { cause: e });
      return new S3Error('PreconditionFailed', undefined, { Condition: 'If-None-Match' }, { cause: e });
    case 'PreconditionFailed':
      return new S3Error('PreconditionFailed', undefined, {}, { cause: e });
    case 'InvalidKey':
      return /1024 bytes|too long/i.test(message)
        ? new S3Error('KeyTooLongError', undefined, {}, { cause: e })
        : new S3Error('InvalidArgument', `Object key not accepted: ${message}`, {}, { cause: e });
    case 'InvalidInput':
      if (subject === 'bucket') return new S3Error('InvalidBucketName', message, {}, { cause: e });
      if (/range/i.test(message)) return new S3Error('InvalidRange', undefined, {}, { cause: e });
      return new S3Error('InvalidArgument', message, {}, { cause: e });
    case 'PermissionDenied':
      return new S3Error('AccessDenied', undefined, {}, { cause: e });
    case 'PayloadTooLarge':
      return new S3Error('EntityTooLarge', undefined, {}, { cause: e });
    case 'Integrity':
      return new S3Error(subject === 'body' ? 'IncompleteBody' : 'BadDigest', message, {}, { cause: e });
    case 'Conflict':
      if (subject === 'bucket') return new S3Error('BucketNotEmpty', undefined, {}, { cause: e });
      return new S3Error(
        'OperationAborted',
        `The key conflicts with another object on this backend: ${message}`,
        {},
        { cause: e },
      );
    case 'Unsupported':
      return new S3Error('NotImplemented', message, {}, { cause: e });
    case 'RateLimited':
      return new S3Error('SlowDown', undefined, {}, { cause: e });
    case 'Timeout':
    case 'Unavailable':
      return new S3Error(
        'ServiceUnavailable',
        'The storage backend is unavailable; retry.',
        {},
        { cause: e },
      );
    case 'Aborted':
      return new S3Error('RequestTimeout', undefined, {}, { cause: e });
    default:
      return new S3Error('InternalError', undefined, {}, { cause: e });
  }
}
