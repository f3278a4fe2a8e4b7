import { randomBytes } from 'node:crypto';
import { type Clock, type JobStateStore, type Logger, SystemClock } from '@stowage/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { CredentialsProvider } from './auth/credentials.js';
import { verifyRequest } from './auth/sigv4.js';
import type { BucketResolver } from './buckets/bucket-resolver.js';
import { Etags } from './etags.js';
import type { GatewayState, S3Call } from './handlers/call.js';
import { route } from './handlers/route.js';
import { S3Error, s3ErrorFrom } from './http/s3-error.js';
import { parseS3Target } from './http/s3-request.js';
import { xmlDocument } from './http/xml.js';

export interface S3GatewayPluginOptions {
  /** Bucket names → stores. */
  buckets: BucketResolver;
  /** Access keys (usually `apiKeyCredentials(runtime.resolve(SERVICE_TOKENS.ApiKeys))`). */
  credentials: CredentialsProvider;
  /** Where the gateway keeps its ETag and part records (the runtime's job state store). */
  jobs: JobStateStore;
  /** Judges request times and presign expiry; default the system clock. */
  clock?: Clock;
  logger?: Logger;
  /** Region reported by GetBucketLocation (signatures for any region are accepted); default us-east-1. */
  region?: string;
  /** Largest accepted clock skew of a signed request; default 15 minutes. */
  maxSkewMs?: number;
  /** Serve virtual-hosted requests (`<bucket>.<domain>`) besides path-style ones. */
  virtualHostDomain?: string;
  /** Bodies up to this size are buffered before writes to `recorded` buckets; default 1 MiB. */
  smallBodyBytes?: number;
}

const METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE'] as const;
const SENT_CONTENT_TYPE = Symbol('s3-gateway.sent-content-type');

/**
 * The S3 protocol as a Fastify plugin. Register it on an instance of its own (its own port):
 * it replaces the instance's body parsers so request bodies stream to the store untouched,
 * and it answers every path.
 */
export const s3GatewayPlugin: FastifyPluginAsync<S3GatewayPluginOptions> = async (app, options) => {
  const state: GatewayState = {
    buckets: options.buckets,
    credentials: options.credentials,
    etags: new Etags(options.jobs, options.logger),
    clock: options.clock ?? new SystemClock(),
    logger: options.logger,
    region: options.region ?? 'us-east-1',
    maxSkewMs: options.maxSkewMs ?? 15 * 60 * 1000,
    virtualHostDomain: options.virtualHostDomain,
    owner: { id: 'stowage', displayName: 'stowage' },
    maxXmlBytes: 2 * 1024 * 1024,
    smallBodyBytes: options.smallBodyBytes ?? 1024 * 1024,
  };

  // Bodies are read by the operations themselves, from request.raw, as streams.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  // S3 takes any Content-Type (even an empty one); Fastify would refuse what is no media type
  // with 415 before the handler runs. The value as sent is kept for the signature and the object.
  app.addHook('onRequest', async (request) => {
    const type = request.headers['content-type'];
    if (
      type !== undefined &&
      !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*(;|$)/.test(type)
    ) {
      (request.raw as { [SENT_CONTENT_TYPE]?: string })[SENT_CONTENT_TYPE] = type;
      request.headers['content-type'] = 'application/octet-stream';
    }
  });

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const requestId = randomBytes(8).toString('hex').toUpperCase();
    reply.header('x-amz-request-id', requestId).header('x-amz-id-2', requestId).header('server', 'Stowage');
    let resource = '/';
    try {
      const sent = (request.raw as { [SENT_CONTENT_TYPE]?: string })[SENT_CONTENT_TYPE];
      const headers = sent === undefined ? request.headers : { ...request.headers, 'content-type': sent };
      const target = parseS3Target(request.raw.url ?? '/', request.headers.host, state.virtualHostDomain);
      resource = target.rawPath;
      const auth = await verifyRequest(
        { method: request.method, headers, target },
        { credentials: state.credentials, now: state.clock.now(), maxSkewMs: state.maxSkewMs },
      );
      const call: S3Call = {
        request,
        reply,
        method: request.method,
        headers,
        target,
        auth,
        state,
        requestId,
      };
      await route(call);
    } catch (error) {
      sendError(request, reply, error, resource, requestId, state.logger);
    }
    return reply;
  };
  for (const url of ['/', '/*']) {
    app.route({ method: [...METHODS], url, handler, exposeHeadRoute: false });
  }
  app.setNotFoundHandler((request, reply) => {
    sendError(request, reply, new S3Error('MethodNotAllowed'), request.url, '0', state.logger);
  });
  // Fastify's own refusals (a malformed Content-Type, …) keep their 4xx status.
  app.setErrorHandler((error, request, reply) => {
    const status = (error as { statusCode?: number }).statusCode;
    const refused =
      status !== undefined && status >= 400 && status < 500
        ? new S3Error('InvalidRequest', error instanceof Error ? error.message : undefined, {}, { status })
        : error;
    sendError(request, reply, refused, request.url, '0', state.logger);
  });
};

/** Answers with S3's XML error document (no body for HEAD). */
export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  resource: string,
  requestId: string,
  logger: Logger | undefined,
): void {
  const s3 = s3ErrorFrom(error);
  if (s3.status >= 500 && s3.code !== 'NotImplemented') {
    logger?.error('s3 gateway: request failed', {
      method: request.method,
      resource,
      code: s3.code,
      error: String((s3.cause as Error | undefined)?.message ?? s3.message),
    });
  }
  if (reply.sent || reply.raw.headersSent) {
    reply.raw.destroy();
    return;
  }
  reply.code(s3.status).header('content-type', 'application/xml');
  // A body the client is still sending is not read: the connection closes after the answer.
  if (!request.raw.complete) reply.header('connection', 'close');
  if (request.method === 'HEAD') {
    reply.header('x-amz-error-code', s3.code).send();
    return;
  }
  reply.send(
    xmlDocument(
      'Error',
      { Code: s3.code, Message: s3.message, ...s3.extra, Resource: resource, RequestId: requestId },
      false,
    ),
  );
}
