import type { AddressInfo } from 'node:net';
import { type Clock, type JobStateStore, TOKENS } from '@stowage/core';
import type { Runtime } from '@stowage/runtime';
import { type ApiKeys, SERVICE_TOKENS } from '@stowage/services';
import Fastify, { type FastifyInstance } from 'fastify';
import { apiKeyCredentials, type CredentialsProvider } from './auth/credentials.js';
import type { BucketResolver } from './buckets/bucket-resolver.js';
import { bucketResolverFor } from './buckets/resolver-for-runtime.js';
import { S3Error } from './http/s3-error.js';
import { xmlDocument } from './http/xml.js';
import { type S3GatewayPluginOptions, s3GatewayPlugin } from './plugin.js';

export interface CreateS3GatewayOptions {
  runtime: Runtime;
  /** Default the runtime's `gateway.host`, else `server.host`, else 127.0.0.1. */
  host?: string;
  /** Default the runtime's `gateway.port`, else 0 (any free port). */
  port?: number;
  /** Default: the design for the runtime's mode (`bucketResolverFor`). */
  buckets?: BucketResolver;
  /** See `bucketResolverFor`; default the runtime's `gateway.bucket`. */
  primaryBucket?: string;
  /** Default: the runtime's API keys. */
  credentials?: CredentialsProvider;
  clock?: Clock;
  region?: string;
  maxSkewMs?: number;
  virtualHostDomain?: string;
  smallBodyBytes?: number;
}

/** A gateway on its own Fastify instance and port. */
export interface S3Gateway {
  readonly app: FastifyInstance;
  readonly buckets: BucketResolver;
  /** `http://host:port` once listening. */
  url: string;
  listen(): Promise<string>;
  /** Stops listening and closes the bucket stores it opened (not the runtime). */
  close(): Promise<void>;
}

/** Fastify settings the gateway needs on its own instance: long keys, S3 errors for bad URLs. */
export function gatewayServerOptions() {
  return {
    logger: false,
    routerOptions: { maxParamLength: 8192 },
    forceCloseConnections: true,
    keepAliveTimeout: 65_000,
    frameworkErrors: (error: Error, _request: unknown, reply: import('fastify').FastifyReply) => {
      reply
        .code(400)
        .header('content-type', 'application/xml')
        .send(
          xmlDocument(
            'Error',
            { Code: 'InvalidURI', Message: new S3Error('InvalidURI').message, Detail: error.name },
            false,
          ),
        );
    },
  } as const;
}

/** Builds a gateway for a runtime: its buckets, its API keys, its job state store. */
export async function createS3Gateway(options: CreateS3GatewayOptions): Promise<S3Gateway> {
  const { runtime } = options;
  const settings = runtime.config.gateway ?? {};
  const primaryBucket = options.primaryBucket ?? settings.bucket;
  const buckets =
    options.buckets ?? bucketResolverFor(runtime, primaryBucket === undefined ? {} : { primaryBucket });
  const host = options.host ?? settings.host ?? runtime.config.server?.host ?? '127.0.0.1';
  const port = options.port ?? settings.port ?? 0;
  const app = Fastify(gatewayServerOptions());
  const pluginOptions: S3GatewayPluginOptions = {
    buckets,
    credentials: options.credentials ?? apiKeyCredentials(runtime.resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys)),
    jobs: runtime.resolve<JobStateStore>(TOKENS.JobStateStore),
    logger: runtime.logger.child({ component: 's3-gateway' }),
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.maxSkewMs === undefined ? {} : { maxSkewMs: options.maxSkewMs }),
    ...(options.virtualHostDomain === undefined ? {} : { virtualHostDomain: options.virtualHostDomain }),
    ...(options.smallBodyBytes === undefined ? {} : { smallBodyBytes: options.smallBodyBytes }),
  };
  await app.register(s3GatewayPlugin, pluginOptions);
  const gateway: S3Gateway = {
    app,
    buckets,
    url: '',
    async listen() {
      await app.listen({ host, port });
      const address = app.server.address() as AddressInfo;
      const shown = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      gateway.url = `http://${shown}:${address.port}`;
      return gateway.url;
    },
    async close() {
      await app.close();
      await buckets.close();
    },
  };
  return gateway;
}
