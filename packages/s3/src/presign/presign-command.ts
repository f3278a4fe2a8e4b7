import type {
  $Command,
  S3Client,
  S3ClientResolvedConfig,
  ServiceInputTypes,
  ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';

/** How a presigned URL is signed; `expiresIn` has been checked (1 s to 7 days) by the caller. */
export interface PresignCommandOptions {
  expiresIn: number;
  /** From the caller's Clock, so a URL expires by the same time the store keeps. */
  signingDate: Date;
  /** Headers the URL is bound to (the uploader must send them as signed). */
  signableHeaders?: Set<string>;
}

/**
 * A SigV4 query-signed URL for one S3 command (GetObject, PutObject, UploadPart, …) with no
 * checksum headers, the one way this package presigns a request.
 * @throws what the SDK throws when it cannot sign (credentials or region unavailable).
 */
export function presignCommand<Input extends ServiceInputTypes, Output extends ServiceOutputTypes>(
  client: S3Client,
  command: $Command<Input, Output, S3ClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes>,
  options: PresignCommandOptions,
): Promise<string> {
  return getSignedUrl(client, withoutRequestChecksums(command), options);
}

/**
 * A presigned request must not carry a checksum of an empty body, which the SDK adds under
 * `requestChecksumCalculation: WHEN_SUPPORTED`: it is removed before signing (after the
 * flexible-checksums middleware, which runs at priority normal). Per command, so a caller's
 * own client is never changed.
 */
function withoutRequestChecksums<C extends { middlewareStack: { add: (...args: never[]) => void } }>(
  command: C,
): C {
  const strip: BuildMiddleware<object, MetadataBearer> = (next) => async (args) => {
    const request = args.request as { headers?: Record<string, string> };
    for (const name of Object.keys(request.headers ?? {})) {
      const lower = name.toLowerCase();
      if (lower.startsWith('x-amz-checksum-') || lower === 'x-amz-sdk-checksum-algorithm') {
        delete request.headers![name];
      }
    }
    return next(args);
  };
  (command.middlewareStack.add as (m: unknown, o: unknown) => void)(strip, {
    step: 'build',
    priority: 'low',
    name: 'stowageNoPresignChecksum',
    override: true,
  });
  return command;
}
