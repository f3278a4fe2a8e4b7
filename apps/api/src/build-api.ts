import { randomUUID } from 'node:crypto';
import { totalmem } from 'node:os';
import { createPinoLogger, type Runtime } from '@stowage/runtime';
import {
  type AccessUrls,
  type ApiKeys,
  type ObjectStorage,
  SERVICE_TOKENS,
  type Uploads,
} from '@stowage/services';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { Logger as Pino } from 'pino';
import { authenticate } from './auth/authenticate.js';
import { JwtVerifier } from './auth/jwt-verifier.js';
import type { Principal } from './auth/principal.js';
import type { ApiContext } from './http/api-context.js';
import { replyWithError } from './http/error-reply.js';
import { redactUrl } from './http/redact-url.js';
import { ApiMetrics } from './observability/metrics.js';
import { adminRoutes } from './routes/admin-routes.js';
import { bucketRoutes } from './routes/bucket-routes.js';
import { filesRoutes } from './routes/files-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { multipartRoutes } from './routes/multipart-routes.js';
import { objectRoutes } from './routes/object-routes.js';
import { presignRoutes } from './routes/presign-routes.js';
import { tusRoutes } from './tus/tus-routes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who the request acts as; null when it carries no credentials. */
    principal: Principal | null;
  }
}

export interface ApiOptions {
  /** Built with `files: 'mount'` so local mode's objects are served on this port. */
  runtime: Runtime;
  /** Default: pino to stderr at `STOWAGE_LOG_LEVEL` (info), secrets redacted. */
  logger?: Pino;
  /** Default: a registry of its own, with process metrics. */
  metrics?: ApiMetrics;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The HTTP service on a runtime: Fastify with zod-validated routes (the same schemas produce
 * the OpenAPI document), API-key and JWT auth, per-principal rate limits (shared through Redis
 * when configured), Prometheus metrics, health, and request ids on every log line and error.
 * The caller listens, and closes the runtime after the app.
 */
export async function buildApi(options: ApiOptions): Promise<FastifyInstance> {
  const { runtime } = options;
  const settings = runtime.config.api ?? {};
  const metrics = options.metrics ?? new ApiMetrics();
  const logger = options.logger ?? createPinoLogger().pino;
  const jwt =
    settings.jwtSecret !== undefined || settings.jwksUrl !== undefined
      ? new JwtVerifier({
          ...(settings.jwtSecret === undefined ? {} : { secret: settings.jwtSecret }),
          ...(settings.jwksUrl === undefined ? {} : { jwksUrl: settings.jwksUrl }),
          ...(settings.jwtIssuer === undefined ? {} : { issuer: settings.jwtIssuer }),
          ...(settings.jwtAudience === undefined ? {} : { audience: settings.jwtAudience }),
        })
      : undefined;
  const ctx: ApiContext = {
    runtime,
    storage: runtime.resolve<ObjectStorage>(SERVICE_TOKENS.ObjectStorage),
    uploads: runtime.resolve<Uploads>(SERVICE_TOKENS.Uploads),
    accessUrls: runtime.resolve<AccessUrls>(SERVICE_TOKENS.AccessUrls),
    keys: runtime.resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys),
    jwt,
    metrics,
    maxUploadBytes: settings.maxUploadBytes ?? 5 * 1024 ** 3,
  };

  const app = Fastify({
    loggerInstance: logger.child(
      { component: 'api' },
      {
        serializers: {
          req: (req: { method: string; url: string; id: string }) => ({
            method: req.method,
            // Not `url`: the logger blanks every `url` field; this one has its signatures removed instead.
            path: redactUrl(req.url),
          }),
        },
      },
    ) as FastifyBaseLogger,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    bodyLimit: 1024 * 1024,
    // Uploads may take long; stalled ones are ended by the idle timeout below instead.
    requestTimeout: 0,
    connectionTimeout: 0,
    keepAliveTimeout: 65_000,
    return503OnClosing: true,
    // Downloads declare their HEAD route themselves (headers without a body, same checks).
    exposeHeadRoutes: false,
    forceCloseConnections: 'idle',
  });
  app.server.setTimeout(120_000);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', null);
  app.setErrorHandler((error, request, reply) => replyWithError(error, request, reply));
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: {
        kind: 'NotFound',
        message: `No route ${request.method} ${request.url.split('?')[0]}`,
        requestId: String(request.id),
      },
    }),
  );
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', String(request.id));
  });

  // Credentials are checked before anything else runs (rate limits are then per principal).
  app.addHook('onRequest', async (request) => {
    if (request.url.startsWith('/files/') || request.url.startsWith('/docs')) return;
    request.principal = await authenticate(request.headers, ctx.keys, jwt);
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { route, method: request.method, status: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
  });
  app.addHook('onError', async (request, _reply, error) => {
    const storage = error as unknown as { kind?: string; backend?: string };
    if (typeof storage.kind === 'string')
      metrics.errors.inc({ backend: storage.backend ?? 'api', kind: storage.kind });
    void request;
  });

  await app.register((await import('@fastify/under-pressure')).default, {
    maxRssBytes: Math.floor(totalmem() * 0.9),
    maxEventLoopDelay: 2000,
    exposeStatusRoute: false,
    pressureHandler: (_request, reply, type, value) => {
      reply
        .code(503)
        .header('retry-after', '5')
        .send({
          error: {
            kind: 'Unavailable',
            message: `The service is under pressure (${type} ${value})`,
            requestId: String(_request.id),
            retryable: true,
          },
        });
    },
  });

  const redis =
    settings.redisUrl === undefined
      ? undefined
      : new (await import('ioredis')).Redis(settings.redisUrl.reveal(), {
          connectTimeout: 2000,
          maxRetriesPerRequest: 1,
          lazyConnect: false,
        });
  if (redis !== undefined)
    app.addHook('onClose', async () => void (await redis.quit().catch(() => undefined)));
  await app.register((await import('@fastify/rate-limit')).default, {
    global: true,
    max: settings.rateLimitPerMinute ?? 600,
    timeWindow: 60_000,
    hook: 'preHandler',
    keyGenerator: (request) => request.principal?.id ?? `ip:${request.ip}`,
    nameSpace: 'stowage-rate-',
    skipOnError: false,
    ...(redis === undefined ? {} : { redis }),
    allowList: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url.split('?')[0]!),
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      message: `Rate limit reached: ${context.max} requests per minute; retry in ${Math.ceil(context.ttl / 1000)} s`,
    }),
  });

  await app.register((await import('@fastify/swagger')).default, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Stowage storage service',
        version: '0.1.0',
        description:
          'Uploads, downloads, presigned URLs, resumable uploads, buckets and rollouts over any Stowage backend. Authenticate with `X-Api-Key: <token>` or `Authorization: Bearer <API key token or JWT>`.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
          bearer: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register((await import('@fastify/swagger-ui')).default, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await healthRoutes(app, ctx, { metricsPublic: settings.metricsPublic ?? true });
  await objectRoutes(app, ctx);
  await presignRoutes(app, ctx);
  await bucketRoutes(app, ctx);
  await adminRoutes(app, ctx);
  await tusRoutes(app, ctx);
  await multipartRoutes(app, ctx);
  await filesRoutes(app, ctx);
  return app;
}
