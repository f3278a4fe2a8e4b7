import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  type DeleteObjectsCommand,
  type DeleteObjectsCommandInput,
  type DeleteObjectsCommandOutput,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BuildMiddleware } from '@smithy/types';
import type { ParsedS3Connection } from './s3-config.js';

/**
 * The SDK client of a connection: the caller's own `client` as is, or one built here with a
 * keep-alive agent with enough sockets for concurrent part uploads, finite socket timeouts and
 * the profile's checksum mode and addressing style. Credentials stay `Secret`s until the SDK
 * asks for them to sign a request.
 */
export function createS3Client(config: ParsedS3Connection): S3Client {
  if (config.client !== undefined) return config.client;
  const agentOptions = { keepAlive: true, maxSockets: config.maxSockets, keepAliveMsecs: 1000 };
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: config.requestChecksumCalculation,
    responseChecksumValidation: config.responseChecksumValidation,
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      httpAgent: config.httpAgent ?? new HttpAgent(agentOptions),
      httpsAgent: config.httpsAgent ?? new HttpsAgent(agentOptions),
      connectionTimeout: config.connectionTimeout,
      // Smithy's `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set, and it
      // counts from the request's start; our `requestTimeout` means socket inactivity, which is the
      // handler's `socketTimeout` (it also fires while a response body stalls, destroying the body,
      // and frees the socket of a body nobody reads).
      socketTimeout: config.requestTimeout,
      ...(config.responseTimeout > 0
        ? { requestTimeout: config.responseTimeout, throwOnRequestTimeout: true }
        : {}),
    }),
  };
  if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
  const credentials = config.credentials;
  if (credentials !== undefined) {
    clientConfig.credentials = async () => ({
      accessKeyId: credentials.accessKeyId.reveal(),
      secretAccessKey: credentials.secretAccessKey.reveal(),
      ...(credentials.sessionToken === undefined ? {} : { sessionToken: credentials.sessionToken.reveal() }),
    });
  }
  if (config.profile !== undefined) clientConfig.profile = config.profile;
  return new S3Client(clientConfig);
}

interface MutableRequest {
  headers: Record<string, string>;
  body?: unknown;
}

function hasHeader(headers: Record<string, string>, name: string): boolean {
  return Object.keys(headers).some((h) => h.toLowerCase() === name);
}

/**
 * DeleteObjects must carry a content checksum. The SDK adds `x-amz-checksum-crc32`, which
 * servers that predate flexible checksums ignore while still demanding Content-MD5; so add
 * the MD5 whenever it is missing (AWS accepts both at once). Added to the command, not the
 * client, so a caller's own client is never changed.
 */
export const deleteObjectsContentMd5Middleware: BuildMiddleware<
  DeleteObjectsCommandInput,
  DeleteObjectsCommandOutput
> = (next) => async (args) => {
  const request = args.request as MutableRequest | undefined;
  if (request?.headers !== undefined && !hasHeader(request.headers, 'content-md5')) {
    const body = request.body;
    if (typeof body === 'string' || body instanceof Uint8Array) {
      request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
    }
  }
  return next(args);
};

/** Adds the Content-MD5 fallback to one DeleteObjects command when the profile asks for it. */
export function withDeleteObjectsContentMd5(
  command: DeleteObjectsCommand,
  enabled: boolean,
): DeleteObjectsCommand {
  if (enabled) {
    command.middlewareStack.add(deleteObjectsContentMd5Middleware, {
      step: 'build',
      // After the flexible-checksums middleware (priority normal), so we see what it added.
      priority: 'low',
      name: 'stowageDeleteObjectsContentMd5',
      override: true,
    });
  }
  return command;
}
