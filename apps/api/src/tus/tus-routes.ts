import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isStorageError, StorageError } from '@stowage/core';
import { SERVICE_TOKENS, type UploadsConfig } from '@stowage/services';
import { Server, type ServerOptions } from '@tus/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { hasScope, type Principal } from '../auth/principal.js';
import type { ApiContext } from '../http/api-context.js';
import { STATUS_OF_KIND } from '../http/error-reply.js';
import { requireScope } from '../http/require-scope.js';
import { errorResponses, uploadResultSchema } from '../routes/schemas.js';
import { PortLocker } from './port-locker.js';
import { baseUrlOf, checkResumableRequest, type PublishedObject } from './publish.js';
import { offsetOf, StowageTusStore, type TusDraft, type TusRecord } from './stowage-tus-store.js';

/** Response headers naming the object a completed upload became (exposed to browsers). */
export const OBJECT_HEADERS = {
  key: 'Stowage-Object-Key',
  url: 'Stowage-Object-Url',
  cdn: 'Stowage-Object-Cdn-Url',
  sha256: 'Stowage-Object-Sha256',
  etag: 'Stowage-Object-Etag',
  type: 'Stowage-Object-Type',
} as const;

export interface TusRoutesOptions {
  /** How long an unfinished upload lives; default 24 h. */
  expirationMs?: number;
  /** How long a request waits for an upload another request holds before 423; default 30 s. */
  lockTimeoutMs?: number;
  /** How often expired uploads are swept; default 15 min (0: never). */
  sweepEveryMs?: number;
}

interface RequestInfo {
  principal: Principal;
  base: string;
  requestId: string;
}

/**
 * The tus resumable-upload protocol (1.0.0: creation, creation-with-upload,
 * creation-defer-length, termination, expiration) at `/v1/tus/`, by @tus/server over
 * StowageTusStore. Every request but OPTIONS needs the write scope; an upload is its creator's
 * (others get 404). Upload-Metadata: `key` (else the Uploads service picks one), `filename` or
 * `name`, `filetype` or `type` (the claimed type), `visibility`. When the last byte is in, the
 * object is validated and made; the PATCH (or POST) that finished it, and any HEAD after, carry
 * `Stowage-Object-Key`, `-Url`, `-Cdn-Url`, `-Sha256`, `-Etag` and `-Type`; `GET /v1/tus/<id>`
 * answers the upload's state and the object as JSON.
 */
export async function tusRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  options: TusRoutesOptions = {},
): Promise<StowageTusStore> {
  const expirationMs = options.expirationMs ?? 24 * 3600 * 1000;
  const locker = new PortLocker(ctx.runtime.database.locks, options.lockTimeoutMs ?? 30_000);
  const store = new StowageTusStore(ctx, locker, expirationMs);
  const maxBytes =
    ctx.runtime.resolve<UploadsConfig>(SERVICE_TOKENS.UploadsConfig).maxBytes ?? 100 * 1024 ** 2;
  const infos = new WeakMap<IncomingMessage, RequestInfo>();
  const infoOf = (req: Request): RequestInfo | undefined => {
    const raw = (req as unknown as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req;
    return raw === undefined ? undefined : infos.get(raw);
  };
  const publicUrl = ctx.runtime.config.server?.publicUrl;

  const tusOptions: ServerOptions & { datastore: StowageTusStore } = {
    path: '/v1/tus',
    datastore: store,
    locker,
    maxSize: maxBytes,
    disableTerminationForFinishedUploads: true,
    exposedHeaders: [...Object.values(OBJECT_HEADERS), 'X-Request-Id'],
    // Browsers (Uppy) send the key in a header of ours.
    allowedHeaders: ['X-Api-Key', 'X-Request-Id'],
    ...(publicUrl === undefined
      ? {}
      : { generateUrl: (_req: Request, { id }: { id: string }) => `${publicUrl}v1/tus/${id}` }),
    namingFunction: () => randomBytes(16).toString('hex'),
    onUploadCreate: async (req, upload) => {
      const info = infoOf(req);
      if (info === undefined) throw { status_code: 500, body: 'request context lost\n' };
      store.drafts.set(upload.id, draftOf(ctx, upload.metadata ?? {}, info));
      return {};
    },
    onUploadFinish: async (_req, upload) => {
      const record = await store.ensureCompleted(upload.id);
      return { headers: objectHeaders(record.completed) };
    },
    onResponseError: (req, error) => {
      if (!isStorageError(error)) return undefined;
      const status = STATUS_OF_KIND[error.kind] ?? 500;
      const known = status !== 500;
      return {
        status_code: status,
        body: JSON.stringify({
          error: {
            kind: known ? error.kind : 'Unexpected',
            message: known ? error.message : 'The server failed to handle this request',
            requestId: infoOf(req)?.requestId ?? '',
          },
        }),
      };
    },
  };
  const tus = new Server(tusOptions);

  if ((options.sweepEveryMs ?? 15 * 60_000) > 0) {
    const timer = setInterval(
      () => {
        store.deleteExpired().catch((error: unknown) => app.log.warn({ err: error }, 'tus sweep failed'));
      },
      options.sweepEveryMs ?? 15 * 60_000,
    );
    timer.unref();
    app.addHook('onClose', async () => clearInterval(timer));
  }

  /** The upload's state when the request may see it; 404 otherwise (another principal's or none). */
  const ownRecord = async (request: FastifyRequest, id: string): Promise<TusRecord | null> => {
    const job = await store.peek(id);
    if (job === null) return null;
    if (job.data.owner !== request.principal?.id && !hasScope(request.principal, 'admin')) {
      throw new StorageError('NotFound', 'No such upload', { operation: 'tus' });
    }
    return job.data;
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const id = (request.params as { id?: string }).id;
    if (request.method !== 'OPTIONS') {
      await requireScope('write')(request);
      if (id !== undefined) {
        let record = await ownRecord(request, id);
        // A HEAD after the last byte finishes a completion an earlier request could not.
        if (record !== null && request.method === 'HEAD') record = await store.ensureCompleted(id);
        for (const [name, value] of Object.entries(objectHeaders(record?.completed)))
          reply.raw.setHeader(name, value);
      }
    }
    reply.hijack();
    reply.raw.setHeader('x-request-id', String(request.id));
    if (request.principal !== null) {
      infos.set(request.raw, {
        principal: request.principal,
        base: baseUrlOf(ctx, request.headers, request.protocol),
        requestId: String(request.id),
      });
    }
    ctx.metrics.uploadsInFlight.inc();
    try {
      await tus.handle(request.raw, reply.raw);
    } finally {
      ctx.metrics.uploadsInFlight.dec();
    }
  };

  await app.register(async (scoped) => {
    // @tus/server reads the bodies itself: nothing may parse them first.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', (_request, _payload, done) => done(null));
    const docs = {
      tags: ['resumable'],
      description:
        'The tus 1.0.0 protocol (creation, creation-with-upload, creation-defer-length, termination, expiration) for tus-js-client, Uppy and other tus clients: send `X-Api-Key` (write scope) with every request. Upload-Metadata: `key`, `filename`/`name`, `filetype`/`type`, `visibility`. The request that delivers the last byte (and any HEAD after) answers with `Stowage-Object-Key`, `Stowage-Object-Url`, `Stowage-Object-Cdn-Url`, `Stowage-Object-Sha256`, `Stowage-Object-Etag`, `Stowage-Object-Type`; a refused type or size drops the upload (nothing is stored).',
    };
    scoped.route({
      method: ['POST', 'OPTIONS'],
      url: '/v1/tus',
      schema: { summary: 'Create a tus upload', ...docs },
      handler: handle,
    });
    scoped.route({
      method: ['HEAD', 'PATCH', 'DELETE', 'OPTIONS'],
      url: '/v1/tus/:id',
      schema: { summary: 'Resume, continue or end a tus upload', ...docs },
      handler: handle,
    });
    scoped.withTypeProvider<ZodTypeProvider>().get(
      '/v1/tus/:id',
      {
        schema: {
          summary: 'The state of a tus upload, and the object it became',
          tags: ['resumable'],
          params: z.object({ id: z.string() }),
          response: {
            200: z.object({
              id: z.string(),
              offset: z.number(),
              size: z.number().optional().describe('Absent while the length is deferred'),
              expiresAt: z.string(),
              object: uploadResultSchema.optional().describe('Once the upload is complete'),
            }),
            ...errorResponses,
          },
        },
        preHandler: requireScope('write'),
      },
      async (request) => {
        const { id } = request.params;
        let record = await ownRecord(request, id);
        if (record === null) throw new StorageError('NotFound', 'No such upload', { operation: 'tus' });
        record = await store.ensureCompleted(id);
        return {
          id,
          offset: offsetOf(record),
          ...(record.size === undefined ? {} : { size: record.size }),
          expiresAt: record.expiresAt,
          ...(record.completed === undefined ? {} : { object: record.completed }),
        };
      },
    );
  });
  return store;
}

function objectHeaders(object: PublishedObject | undefined): Record<string, string> {
  if (object === undefined) return {};
  return {
    [OBJECT_HEADERS.key]: encodeURIComponent(object.key),
    [OBJECT_HEADERS.url]: object.urls.api,
    ...(object.urls.cdn === undefined ? {} : { [OBJECT_HEADERS.cdn]: object.urls.cdn }),
    ...(object.sha256 === undefined ? {} : { [OBJECT_HEADERS.sha256]: object.sha256 }),
    [OBJECT_HEADERS.etag]: object.etag,
    [OBJECT_HEADERS.type]: object.contentType,
  };
}

/** Creation's checks of Upload-Metadata. @throws as `checkResumableRequest` (a 400 to the client). */
function draftOf(ctx: ApiContext, metadata: Record<string, string | null>, info: RequestInfo): TusDraft {
  const text = (...names: string[]) => {
    for (const name of names) {
      const value = metadata[name];
      if (typeof value === 'string' && value !== '') return value;
    }
    return undefined;
  };
  const key = text('key');
  const filename = text('filename', 'name');
  const claimedType = text('filetype', 'type', 'contentType');
  const visibility = text('visibility');
  return {
    owner: info.principal.id,
    base: info.base,
    ...checkResumableRequest(ctx, {
      ...(key === undefined ? {} : { key }),
      ...(filename === undefined ? {} : { filename }),
      ...(claimedType === undefined ? {} : { claimedType }),
      ...(visibility === undefined ? {} : { visibility }),
    }),
  };
}
