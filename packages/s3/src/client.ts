import { createHash } from 'node:crypto';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BuildMiddleware, MetadataBearer } from '@smithy/types';
import type { ResolvedS3Connection } from './config.js';
import type { ChecksumMode } from './profiles.js';

/**
 * Builds the SDK client: a keep-alive agent with enough sockets for concurrent part uploads,
 * the profile's checksum mode and addressing style, and the DeleteObjects Content-MD5 fallback.
 */
export function createS3Client(
  config: ResolvedS3Connection,
  overrides: { requestChecksumCalculation?: ChecksumMode } = {},
): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: config.maxSockets, keepAliveMsecs: 1000 };
  const clientConfig: S3ClientConfig = {
    region: config.region,
    forcePathStyle: config.forcePathStyle,
    requestChecksumCalculation: overrides.requestChecksumCalculation ?? config.requestChecksumCalculation,
    responseChecksumValidation: config.responseChecksumValidation,
    maxAttempts: config.maxAttempts,
    requestHandler: new NodeHttpHandler({
      httpAgent: config.httpAgent ?? new HttpAgent(agentOptions),
      httpsAgent: config.httpsAgent ?? new HttpsAgent(agentOptions),
      connectionTimeout: config.connectionTimeout,
      // Smithy's `requestTimeout` only logs a warning unless `throwOnRequestTimeout` is set, and it
      // counts from the request's start; our `requestTimeout` means socket inactivity, which is the
      // handler's `socketTimeout` (it also fires while a response body stalls, destroying the body).
      socketTimeout: config.requestTimeout,
      ...(config.responseTimeout > 0
        ? { requestTimeout: config.responseTimeout, throwOnRequestTimeout: true }
        : {}),
    }),
  };
  if (config.endpoint !== undefined) clientConfig.endpoint = config.endpoint;
  if (config.credentials !== undefined) clientConfig.credentials = config.credentials;
  if (config.profile !== undefined) clientConfig.profile = config.profile;
  const client = new S3Client(clientConfig);
  if (config.profileData.deleteObjectsContentMd5) {
    client.middlewareStack.add(deleteObjectsContentMd5Middleware, {
      step: 'build',
      // After the flexible-checksums middleware (priority normal), so we see what it added.
      priority: 'low',
      name: 'stowageDeleteObjectsContentMd5',
      override: true,
    });
  }
  return client;
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
 * the MD5 whenever it is missing (AWS accepts both at once).
 */
export const deleteObjectsContentMd5Middleware: BuildMiddleware<object, MetadataBearer> =
  (next, context) => async (args) => {
    if (context.commandName === 'DeleteObjectsCommand') {
      const request = args.request as MutableRequest | undefined;
      if (request?.headers !== undefined && !hasHeader(request.headers, 'content-md5')) {
        const body = request.body;
        if (typeof body === 'string' || body instanceof Uint8Array) {
          request.headers['content-md5'] = createHash('md5').update(body).digest('base64');
        }
      }
    }
    return next(args);
  };
