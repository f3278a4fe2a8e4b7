import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { isStorageError, StorageError, type Visibility } from '@stowage/core';
import { encodeKeyPath, serveObject } from '@stowage/kit';
import type { UploadResult } from '@stowage/services';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { hasScope } from '../auth/principal.js';
import { type ApiContext, RESERVED_PREFIX, trashKeyOf } from '../http/api-context.js';
import { writeRawError } from '../http/raw-error.js';
import { requireScope } from '../http/require-scope.js';
import { errorResponses, objectInfoSchema, uploadResultSchema } from './schemas.js';

const keyParams = z.object({ '*': z.string().min(1).describe('The object key, URL-encoded as a path') });

/**
 * Objects: upload (raw body or multipart form), download (ranges and conditions), head, list,
 * delete (soft by default, restorable), copy, move, restore.
 */
export async function objectRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();

  // Uploads take the body as a stream, whatever its type: no parser may buffer it.
  await routes.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const multipart = (await import('@fastify/multipart')).default;
    await raw.register(multipart, {
      limits: { fileSize: ctx.maxUploadBytes, files: 1, fields: 20, fieldSize: 64 * 1024 },
      throwFileSizeLimit: true,
    });

    raw.withTypeProvider<ZodTypeProvider>().put(
      '/v1/objects/*',
      {
        schema: {
          summary: 'Upload an object (raw body)',
          description:
            'The body is stored as is, streamed, never buffered. Its type is judged by its bytes; `Content-Type` is the type claimed, refused when the bytes say otherwise. Headers: `x-stowage-visibility: public|private`, `x-stowage-filename`, `x-stowage-meta-<name>`.',
          tags: ['objects'],
          params: keyParams,
          response: { 201: uploadResultSchema, ...errorResponses },
        },
        preHandler: requireScope('write'),
      },
      async (request, reply) => {
        const key = checkedKey(request.params['*']);
        const headers = request.headers;
        const claimed = headers['content-type'];
        const result = await receive(ctx, request, request.body as Readable, (body, signal) =>
          ctx.uploads.upload({
            key,
            body,
            ...lengthOf(headers),
            ...claimOf(claimed),
            ...filenameOf(headers),
            ...visibilityOf(headers),
            metadata: metadataOf(headers),
            owner: request.principal!.id,
            signal,
          }),
        );
        return reply.code(201).send(uploadAnswer(ctx, request, result));
      },
    );

    raw.withTypeProvider<ZodTypeProvider>().post(
      '/v1/objects',
      {
        schema: {
          summary: 'Upload an object (multipart/form-data)',
          description:
            'Fields before the file: `key` (else one is generated from the content), `visibility`. One file part; its filename extension is used only when the bytes agree.',
          tags: ['objects'],
          consumes: ['multipart/form-data'],
          response: { 201: uploadResultSchema, ...errorResponses },
        },
        preHandler: requireScope('write'),
      },
      async (request, reply) => {
        if (!request.isMultipart()) {
          throw new StorageError('InvalidInput', 'POST /v1/objects takes multipart/form-data with one file', {
            operation: 'upload',
          });
        }
        const fields: Record<string, string> = {};
        for await (const part of request.parts()) {
          if (part.type === 'field') {
            fields[part.fieldname] = String(part.value);
            continue;
          }
          const key = fields.key === undefined ? undefined : checkedKey(fields.key);
          const visibility = fields.visibility;
          if (visibility !== undefined && visibility !== 'public' && visibility !== 'private') {
            part.file.resume();
            throw new StorageError('InvalidInput', 'visibility must be "public" or "private"', {
              operation: 'upload',
            });
          }
          const result = await receive(ctx, request, part.file, (body, signal) =>
            ctx.uploads.upload({
              body,
              ...(key === undefined ? {} : { key }),
              ...(part.filename ? { filename: part.filename } : {}),
              ...(part.mimetype && part.mimetype !== 'application/octet-stream'
                ? { claimedType: part.mimetype }
                : {}),
              ...(visibility === undefined ? {} : { visibility: visibility as Visibility }),
              owner: request.principal!.id,
              signal,
            }),
          );
          if (part.file.truncated) {
            throw new StorageError('PayloadTooLarge', `The upload exceeds ${ctx.maxUploadBytes} bytes`, {
              operation: 'upload',
            });
          }
          return reply.code(201).send(uploadAnswer(ctx, request, result));
        }
        throw new StorageError('InvalidInput', 'The form has no file part', { operation: 'upload' });
      },
    );
  });

  for (const method of ['GET', 'HEAD'] as const) {
    routes.route({
      method,
      url: '/v1/objects/*',
      schema: {
        summary: method === 'GET' ? 'Download an object' : 'Object headers',
        description:
          'Streams the object with Content-Type, Content-Length, ETag, Last-Modified; honours Range (206, 416), If-None-Match / If-Modified-Since (304), If-Match / If-Unmodified-Since (412) and If-Range. Private objects need the read scope (or a presigned URL); public ones need nothing.',
        tags: ['objects'],
        params: keyParams,
        ...(method === 'HEAD' ? { hide: true } : {}),
      },
      handler: async (request, reply) => {
        const key = checkedKey(request.params['*']);
        const authorized = hasScope(request.principal, 'read');
        reply.hijack();
        const res = reply.raw;
        try {
          const served = await serveObject(ctx.runtime.store, key, request.raw, res, {
            publicOnly: !authorized,
            headers: { 'x-request-id': String(request.id) },
          });
          ctx.metrics.bytesOut.inc(served.bytes);
          if (method === 'GET' && served.status < 300) {
            // Analytics: after the answer, never in its way.
            void ctx.runtime.database.audit
              .append({
                action: 'download',
                key,
                actor: request.principal?.id ?? 'anonymous',
                details: { status: served.status, bytes: served.bytes },
              })
              .catch((error: unknown) => request.log.warn({ err: error }, 'download not audited'));
          }
        } catch (error) {
          const anonymousPrivate =
            !authorized && isStorageError(error, 'PermissionDenied') && request.principal === null;
          writeRawError(
            res,
            anonymousPrivate
              ? new StorageError(
                  'PermissionDenied',
                  'This object is private: authenticate or use a presigned URL',
                  {
                    operation: 'authenticate',
                    key,
                  },
                )
              : error,
            String(request.id),
          );
        }
      },
    });
  }

  routes.get(
    '/v1/objects',
    {
      schema: {
        summary: 'List objects',
        description:
          'Keys in UTF-8 byte order under `prefix`; with `delimiter`, folders are grouped. Pages continue with `cursor`.',
        tags: ['objects'],
        querystring: z.object({
          prefix: z.string().optional(),
          delimiter: z.literal('/').optional(),
          cursor: z.string().optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(100),
        }),
        response: {
          200: z.object({
            items: z.array(
              z.object({ key: z.string(), size: z.number(), etag: z.string(), lastModified: z.string() }),
            ),
            prefixes: z.array(z.string()).describe('With a delimiter: the folders directly under the prefix'),
            cursor: z.string().optional(),
          }),
          ...errorResponses,
        },
      },
      preHandler: requireScope('read'),
    },
    async (request) => {
      const { prefix, delimiter, cursor, limit } = request.query;
      const page = await ctx.storage.listPage({
        limit,
        ...(prefix === undefined ? {} : { prefix }),
        ...(delimiter === undefined ? {} : { delimiter }),
        ...(cursor === undefined ? {} : { cursor }),
      });
      const items = page.items
        .filter((entry) => !entry.key.startsWith(RESERVED_PREFIX))
        .map((entry) => ({
          key: entry.key,
          size: entry.size,
          etag: entry.etag,
          lastModified: entry.lastModified.toISOString(),
        }));
      const prefixes = (page.prefixes ?? []).filter((prefix) => !prefix.startsWith(RESERVED_PREFIX));
      return { items, prefixes, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
    },
  );

  routes.delete(
    '/v1/objects/*',
    {
      schema: {
        summary: 'Delete an object',
        description:
          'Soft by default: the object moves out of sight and `POST /v1/restore` brings it back. `?hard=true` (admin scope) removes it for good.',
        tags: ['objects'],
        params: keyParams,
        querystring: z.object({ hard: z.enum(['true', 'false']).default('false') }),
        response: { 204: z.null(), ...errorResponses },
      },
      preHandler: requireScope('write'),
    },
    async (request, reply) => {
      const key = checkedKey(request.params['*']);
      const hard = request.query.hard === 'true';
      const actor = request.principal!.id;
      if (hard) {
        if (!hasScope(request.principal, 'admin')) {
          throw new StorageError('PermissionDenied', 'A hard delete needs the admin scope', {
            operation: 'delete',
            key,
          });
        }
        await ctx.storage.delete(key);
        await ctx.storage.delete(trashKeyOf(key));
        await ctx.runtime.database.metadata.hardDelete(key);
      } else {
        await ctx.storage.move(key, trashKeyOf(key));
        await ctx.runtime.database.metadata.softDelete(key).catch(ignoreNotFound);
      }
      await ctx.runtime.database.audit.append({ action: 'delete', key, actor, details: { hard } });
      return reply.code(204).send(null);
    },
  );

  routes.post(
    '/v1/restore',
    {
      schema: {
        summary: 'Restore a soft-deleted object',
        tags: ['objects'],
        body: z.object({ key: z.string().min(1) }),
        response: { 200: objectInfoSchema, ...errorResponses },
      },
      preHandler: requireScope('write'),
    },
    async (request) => {
      const key = checkedKey(request.body.key);
      // Create-only: a newer object uploaded under the key since is never overwritten.
      const info = await ctx.storage
        .move(trashKeyOf(key), key, { ifNoneMatch: '*' })
        .catch((error: unknown) => {
          if (isStorageError(error, 'NotFound')) {
            throw new StorageError(
              'NotFound',
              `${JSON.stringify(key)} has no soft-deleted version to restore`,
              {
                operation: 'restore',
                key,
              },
            );
          }
          throw error;
        });
      const record = await ctx.runtime.database.metadata.get(key, { includeDeleted: true });
      if (record !== null) {
        const {
          createdAt: _c,
          updatedAt: _u,
          deletedAt: _d,
          ...input
        } = record as typeof record & { deletedAt?: Date };
        await ctx.runtime.database.metadata.upsert(input);
      }
      await ctx.runtime.database.audit.append({ action: 'restore', key, actor: request.principal!.id });
      return infoAnswer(info);
    },
  );

  for (const operation of ['copy', 'move'] as const) {
    routes.post(
      `/v1/${operation}`,
      {
        schema: {
          summary: operation === 'copy' ? 'Copy an object' : 'Move an object',
          tags: ['objects'],
          body: z.object({
            from: z.string().min(1),
            to: z.string().min(1),
            ifNoneMatch: z.literal('*').optional(),
          }),
          response: { 200: objectInfoSchema, ...errorResponses },
        },
        preHandler: requireScope('write'),
      },
      async (request) => {
        const from = checkedKey(request.body.from);
        const to = checkedKey(request.body.to);
        const options = request.body.ifNoneMatch === undefined ? {} : { ifNoneMatch: '*' as const };
        const info =
          operation === 'copy'
            ? await ctx.storage.copy(from, to, options)
            : await ctx.storage.move(from, to, options);
        await ctx.runtime.database.audit.append({
          action: operation,
          key: to,
          actor: request.principal!.id,
          details: { from },
        });
        return infoAnswer(info);
      },
    );
  }
}

/** A key from a path or body: the service's own prefix is off limits. */
export function checkedKey(key: string): string {
  if (key.startsWith(RESERVED_PREFIX)) {
    throw new StorageError('InvalidKey', `Keys under ${RESERVED_PREFIX} are reserved`, {
      operation: 'request',
      key,
    });
  }
  return key;
}

/**
 * Runs an upload, aborting it when the client goes away (nothing is stored then). The store
 * reads the body through a pipe of its own, so a store giving up on the body (over the limit,
 * refused type) never destroys the socket: the client gets its error answer, then the rest of
 * the body is drained (bounded) and the connection closed.
 */
async function receive(
  ctx: ApiContext,
  request: FastifyRequest,
  body: Readable,
  run: (body: Readable, signal: AbortSignal) => Promise<UploadResult>,
): Promise<UploadResult> {
  const abort = new AbortController();
  const onClose = () => {
    if (!request.raw.complete) abort.abort(new StorageError('Aborted', 'The client went away mid-upload'));
  };
  request.raw.once('close', onClose);
  const piped = new PassThrough({ highWaterMark: 64 * 1024 });
  // Errors cross the pipe (a truncated form fails the upload); the pipe's end never destroys the source.
  const forward = (error: Error) =>
    piped.destroy(
      isStorageError(error)
        ? error
        : new StorageError('InvalidInput', `The request body is malformed: ${error.message}`, {
            operation: 'upload',
          }),
    );
  body.once('error', forward);
  // A form part can fail before anyone listens (the whole request was already read).
  if (body.errored !== null) forward(body.errored);
  else if (body.destroyed && !body.readableEnded) forward(new Error('the body ended early'));
  else body.pipe(piped);
  ctx.metrics.uploadsInFlight.inc();
  try {
    const result = await run(piped, abort.signal);
    ctx.metrics.bytesIn.inc(result.info.size);
    return result;
  } catch (error) {
    body.unpipe(piped);
    if (!request.raw.complete) drainThenClose(request);
    throw error;
  } finally {
    body.off('error', forward);
    ctx.metrics.uploadsInFlight.dec();
    request.raw.off('close', onClose);
  }
}

/** Reads and drops what is left of a refused body (up to 16 MiB or 2 s), so the client reads the answer; then closes. */
function drainThenClose(request: FastifyRequest): void {
  const raw = request.raw;
  let dropped = 0;
  const stop = () => {
    clearTimeout(timer);
    raw.socket?.end();
  };
  const timer = setTimeout(stop, 2000);
  timer.unref();
  raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > 16 * 1024 * 1024) stop();
  });
  raw.once('end', () => clearTimeout(timer));
  raw.resume();
}

function uploadAnswer(ctx: ApiContext, request: FastifyRequest, result: UploadResult) {
  const { info } = result;
  const base = ctx.runtime.config.server?.publicUrl ?? `${request.protocol}://${request.host}/`;
  return {
    key: info.key,
    etag: info.etag,
    size: info.size,
    ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }),
    contentType: result.contentType,
    visibility: info.visibility,
    ...(result.image === undefined ? {} : { image: result.image }),
    urls: {
      api: `${base}v1/objects/${encodeKeyPath(info.key)}`,
      ...(ctx.runtime.cdn !== null && info.visibility === 'public'
        ? { cdn: ctx.runtime.cdn.publicUrl(info.key) }
        : {}),
    },
  };
}

function infoAnswer(info: {
  key: string;
  size: number;
  etag: string;
  contentType: string;
  lastModified: Date;
  visibility: Visibility;
  sha256?: string;
}) {
  return {
    key: info.key,
    size: info.size,
    etag: info.etag,
    contentType: info.contentType,
    lastModified: info.lastModified.toISOString(),
    visibility: info.visibility,
    ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }),
  };
}

/**
 * The type a raw upload claims. Defaults clients add on their own (curl's form type for
 * `--data-binary`, `application/octet-stream`) claim nothing: the bytes and the key decide.
 */
function claimOf(contentType: string | undefined): { claimedType?: string } {
  if (contentType === undefined || /^application\/(octet-stream|x-www-form-urlencoded)\b/i.test(contentType))
    return {};
  return { claimedType: contentType };
}

function lengthOf(headers: IncomingHttpHeaders): { contentLength?: number } {
  const value = headers['content-length'];
  return value !== undefined && /^\d+$/.test(value) ? { contentLength: Number(value) } : {};
}

function filenameOf(headers: IncomingHttpHeaders): { filename?: string } {
  const value = headers['x-stowage-filename'];
  return typeof value === 'string' && value !== '' ? { filename: decodeURIComponent(value) } : {};
}

function visibilityOf(headers: IncomingHttpHeaders): { visibility?: Visibility } {
  const value = headers['x-stowage-visibility'];
  if (value === undefined) return {};
  if (value !== 'public' && value !== 'private') {
    throw new StorageError('InvalidInput', 'x-stowage-visibility must be "public" or "private"', {
      operation: 'upload',
    });
  }
  return { visibility: value };
}

function metadataOf(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-stowage-meta-') && typeof value === 'string') metadata[name.slice(15)] = value;
  }
  return metadata;
}

function ignoreNotFound(error: unknown): void {
  if (!isStorageError(error, 'NotFound')) throw error;
}

export type { FastifyReply };
