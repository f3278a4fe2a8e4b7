import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { isStorageError, type JobState, StorageError, type StoredPart } from '@stowage/core';
import { UrlSigner } from '@stowage/kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import { hasScope } from '../auth/principal.js';
import type { ApiContext } from '../http/api-context.js';
import { requireScope } from '../http/require-scope.js';
import {
  baseUrlOf,
  checkResumableRequest,
  isRefusal,
  type PublishedObject,
  publishedObject,
  publishStaged,
  RESUMABLE_PREFIX,
  type ResumableRequest,
  removeQuietly,
} from '../tus/publish.js';
import { errorResponses, uploadResultSchema } from './schemas.js';

/** Job state kind of direct multipart uploads; the id is the upload session's. */
const KIND = 'api-direct-upload';
/** Where Uppy's `endpoint` points: the routes below are `<endpoint>/s3/multipart…`. */
export const DIRECT_PREFIX = '/v1/direct';
/** Local part uploads (signed URLs to this service) go here. */
const PARTS_PATH = `${DIRECT_PREFIX}/parts/`;
const DEFAULT_PART_URL_SECONDS = 3600;
const DEFAULT_EXPIRY_SECONDS = 24 * 3600;

interface DirectRecord extends ResumableRequest {
  owner: string;
  /** Where the session assembles before the object is published. */
  staged: string;
  base: string;
  createdAt: string;
  expiresAt: string;
  /** The session completed into `staged`; publishing is what is left. */
  assembled?: { size: number; sha256?: string };
}

const partNumber = z.coerce.number().int().min(1).max(10_000);
const keyQuery = z.object({ key: z.string().optional().describe('Echoed by Uppy; not needed') });
const partSchema = z.object({ PartNumber: z.number(), Size: z.number(), ETag: z.string() });

/**
 * Direct-to-storage multipart uploads, the endpoints Uppy's `@uppy/aws-s3` calls when given
 * `endpoint: '<service>/v1/direct'` (and `headers: { 'x-api-key': … }`): create, sign a part
 * URL, list parts, complete, abort. On S3-family backends the part URLs are presigned
 * UploadParts of the session's own multipart upload, so the bytes go straight to S3, Spaces or
 * SeaweedFS; elsewhere (local, memory, hybrid) they are URLs of this service signed with an
 * HMAC (`PUT /v1/direct/parts/<uploadId>/<n>`), which stores the part through the session.
 * Completion assembles the parts, then runs the Uploads checks (type by magic bytes from the
 * object's first bytes, size, image dimensions), records metadata and the audit event, and
 * answers `location` (Uppy's) with the object's key, URLs and etag.
 */
export async function multipartRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  await app.register(async (scoped) => {
    // Uppy sends `Content-Type: application/json` on every call, DELETE included, with no body.
    scoped.removeContentTypeParser('application/json');
    scoped.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, undefined);
      try {
        done(null, JSON.parse(text));
      } catch {
        done(
          new StorageError('InvalidInput', 'The request body is not valid JSON', { operation: 'request' }),
          undefined,
        );
      }
    });
    await companionRoutes(scoped, ctx);
  });
}

async function companionRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const sessions = ctx.runtime.uploadSessions;
  const jobs = ctx.runtime.database.jobs;
  // A secret of its own, derived from the fleet's auth secret (no API key id can collide with it).
  const secret = ctx.keys.secretOf('internal:direct-part-urls');
  const signerFor = (base: string) => new UrlSigner({ baseUrl: `${base}${PARTS_PATH.slice(1)}`, secret });
  const write = requireScope('write');

  const own = async (request: FastifyRequest, id: string): Promise<JobState<DirectRecord>> => {
    const job = /^[0-9a-z]{9}-[0-9a-f]{16}$/.test(id) ? await jobs.get<DirectRecord>(KIND, id) : null;
    if (job === null || (job.data.owner !== request.principal?.id && !hasScope(request.principal, 'admin'))) {
      throw new StorageError('NotFound', 'No such upload (completed, aborted, expired or never made)', {
        operation: 'directUpload',
      });
    }
    return job;
  };
  const storedParts = async (id: string): Promise<StoredPart[]> =>
    sessions.listStoredParts !== undefined ? sessions.listStoredParts(id) : sessions.listParts(id);
  const end = async (id: string, record: DirectRecord) => {
    await removeQuietly(ctx, [record.staged]);
    await jobs.delete(KIND, id);
  };

  const tags = ['resumable'];
  routes.post(
    `${DIRECT_PREFIX}/s3/multipart`,
    {
      schema: {
        summary: 'Create a direct multipart upload (Uppy createMultipartUpload)',
        description:
          'Body as @uppy/aws-s3 sends it. `metadata.key` names the object (else the service picks a key when it completes, from its key pattern and the bytes); `metadata.visibility`. `key` in the answer is that key, or "" until completion.',
        tags,
        body: z.object({
          filename: z.string().optional(),
          type: z.string().optional(),
          metadata: z.record(z.string(), z.unknown()).optional(),
        }),
        response: { 200: z.object({ uploadId: z.string(), key: z.string() }), ...errorResponses },
      },
      preHandler: write,
    },
    async (request) => {
      const { filename, type, metadata = {} } = request.body;
      const field = (name: string) =>
        typeof metadata[name] === 'string' ? (metadata[name] as string) : undefined;
      const key = field('key');
      const visibility = field('visibility');
      const asked = checkResumableRequest(ctx, {
        ...(key === undefined ? {} : { key }),
        ...(filename === undefined ? {} : { filename }),
        ...(type === undefined ? {} : { claimedType: type }),
        ...(visibility === undefined ? {} : { visibility }),
      });
      const staged = `${RESUMABLE_PREFIX}direct/${randomBytes(12).toString('hex')}`;
      const session = await sessions.create(staged, { expiresIn: DEFAULT_EXPIRY_SECONDS });
      const record: DirectRecord = {
        ...asked,
        owner: request.principal!.id,
        staged,
        base: baseUrlOf(ctx, request.headers, request.protocol),
        createdAt: session.createdAt.toISOString(),
        expiresAt: session.expiresAt.toISOString(),
      };
      try {
        await jobs.save(KIND, session.id, record, { expectedVersion: 0 });
      } catch (error) {
        await sessions.abort(session.id).catch(() => {});
        throw error;
      }
      return { uploadId: session.id, key: asked.key ?? '' };
    },
  );

  routes.get(
    `${DIRECT_PREFIX}/s3/multipart/:uploadId/:partNumber`,
    {
      schema: {
        summary: 'Sign the upload of one part (Uppy signPart)',
        description:
          'A PUT of the part’s bytes to `url` (with `headers`) stores it; the answer’s ETag names the part. On S3-family backends the URL is the backend’s own (presigned UploadPart); elsewhere it is this service’s, HMAC-signed.',
        tags,
        params: z.object({ uploadId: z.string(), partNumber }),
        querystring: keyQuery.extend({
          expiresIn: z.coerce.number().int().min(1).max(604_800).optional(),
        }),
        response: {
          200: z.object({
            method: z.literal('PUT'),
            url: z.string(),
            headers: z.record(z.string(), z.string()),
            expires: z.number().describe('Seconds the URL stays valid'),
          }),
          ...errorResponses,
        },
      },
      preHandler: write,
    },
    async (request) => {
      const { uploadId, partNumber: n } = request.params;
      const job = await own(request, uploadId);
      const expires = request.query.expiresIn ?? DEFAULT_PART_URL_SECONDS;
      if (sessions.presignPart !== undefined) {
        const signed = await sessions.presignPart(uploadId, n, { expiresIn: expires });
        return { method: 'PUT' as const, url: signed.url, headers: signed.headers, expires };
      }
      if ((await sessions.get(uploadId)) === null)
        throw new StorageError('NotFound', 'No such upload session', { operation: 'signPart' });
      const url = signerFor(job.data.base).sign({
        method: 'PUT',
        key: `${uploadId}/${n}`,
        expiresAt: Date.now() + expires * 1000,
        maxSize: sessions.limits.maxPartSize,
      });
      return { method: 'PUT' as const, url, headers: {}, expires };
    },
  );

  routes.get(
    `${DIRECT_PREFIX}/s3/multipart/:uploadId`,
    {
      schema: {
        summary: 'The parts uploaded so far (Uppy listParts)',
        tags,
        params: z.object({ uploadId: z.string() }),
        querystring: keyQuery,
        response: { 200: z.array(partSchema), ...errorResponses },
      },
      preHandler: write,
    },
    async (request) => {
      const { uploadId } = request.params;
      await own(request, uploadId);
      return (await storedParts(uploadId)).map((p) => ({ PartNumber: p.number, Size: p.size, ETag: p.etag }));
    },
  );

  routes.post(
    `${DIRECT_PREFIX}/s3/multipart/:uploadId/complete`,
    {
      schema: {
        summary: 'Complete a direct multipart upload (Uppy completeMultipartUpload)',
        description:
          'Assembles the parts (each named part must be there with its ETag), then validates the object by its first bytes (type, size, image dimensions), records metadata and audit. A refusal drops the upload: nothing is stored. `sha256` (optional) has the assembled bytes checked first.',
        tags,
        params: z.object({ uploadId: z.string() }),
        querystring: keyQuery,
        body: z.object({
          parts: z.array(z.object({ PartNumber: z.number().int(), ETag: z.string().optional() })).optional(),
          sha256: z
            .string()
            .regex(/^[0-9a-f]{64}$/)
            .optional(),
        }),
        response: {
          200: uploadResultSchema.extend({
            location: z.string().describe("The object's API URL (Uppy's `location`)"),
          }),
          ...errorResponses,
        },
      },
      preHandler: write,
    },
    async (request) => {
      const { uploadId } = request.params;
      const job = await own(request, uploadId);
      let record = job.data;
      const given = request.body.parts ?? [];
      if (record.assembled === undefined) {
        if (given.length > 0) {
          const stored = new Map((await storedParts(uploadId)).map((p) => [p.number, p.etag]));
          for (const part of given) {
            const etag = stored.get(part.PartNumber);
            if (etag === undefined)
              throw new StorageError('InvalidInput', `Part ${part.PartNumber} was not uploaded`, {
                operation: 'completeUpload',
              });
            if (part.ETag !== undefined && unquote(part.ETag) !== unquote(etag))
              throw new StorageError('InvalidInput', `Part ${part.PartNumber} has another ETag now`, {
                operation: 'completeUpload',
              });
          }
        }
        // Refused here (a gap, a small part, a wrong sha256): the session stays open to fix it.
        const info = await sessions.complete(uploadId, {
          ...(given.length === 0 ? {} : { parts: given.map((p) => p.PartNumber) }),
          ...(request.body.sha256 === undefined ? {} : { sha256: request.body.sha256 }),
        });
        record = {
          ...record,
          assembled: { size: info.size, ...(info.sha256 === undefined ? {} : { sha256: info.sha256 }) },
        };
        await jobs.save(KIND, uploadId, record, { expectedVersion: job.version });
      }
      let object: PublishedObject;
      try {
        const result = await publishStaged(ctx, {
          ...record,
          size: record.assembled!.size,
          read: 'head',
          ...(record.assembled!.sha256 === undefined ? {} : { sha256: record.assembled!.sha256 }),
        });
        object = publishedObject(ctx, record.base, result);
      } catch (error) {
        if (isRefusal(error)) await end(uploadId, record);
        throw error;
      }
      await jobs.delete(KIND, uploadId);
      return { ...object, location: object.urls.api };
    },
  );

  routes.delete(
    `${DIRECT_PREFIX}/s3/multipart/:uploadId`,
    {
      schema: {
        summary: 'Abort a direct multipart upload (Uppy abortMultipartUpload)',
        description: 'Removes every part (on the backend too) and the upload; nothing is left.',
        tags,
        params: z.object({ uploadId: z.string() }),
        querystring: keyQuery,
        response: { 200: z.object({}), ...errorResponses },
      },
      preHandler: write,
    },
    async (request) => {
      const { uploadId } = request.params;
      const job = await own(request, uploadId);
      await sessions.abort(uploadId);
      await end(uploadId, job.data);
      return {};
    },
  );

  // Local part uploads: the signature is the credential (as for /files/ signed URLs).
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'ETag',
    };
    raw.route({
      method: 'OPTIONS',
      url: `${PARTS_PATH}:uploadId/:partNumber`,
      schema: { hide: true },
      handler: async (_request, reply) =>
        reply
          .code(204)
          .headers({
            ...cors,
            'access-control-allow-methods': 'PUT',
            'access-control-allow-headers': 'content-type',
            'access-control-max-age': '600',
          })
          .send(),
    });
    raw.withTypeProvider<ZodTypeProvider>().put(
      `${PARTS_PATH}:uploadId/:partNumber`,
      {
        schema: {
          summary: 'Upload one part through a signed URL (local mode and other backends without their own)',
          tags,
          params: z.object({ uploadId: z.string(), partNumber }),
          response: { 200: partSchema, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { uploadId, partNumber: n } = request.params;
        const check = signerFor('http://signed.invalid/').verify('PUT', request.url, Date.now());
        if (!check.ok || check.claims.key !== `${uploadId}/${n}`) {
          (request.body as Readable).resume();
          throw new StorageError(
            'PermissionDenied',
            check.ok || check.reason !== 'expired'
              ? 'The part URL is not valid (tampered or for another part)'
              : 'The part URL has expired',
            { operation: 'uploadPart' },
          );
        }
        const length = request.headers['content-length'];
        const contentLength = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
        if (
          contentLength !== undefined &&
          check.claims.maxSize !== undefined &&
          contentLength > check.claims.maxSize
        ) {
          (request.body as Readable).resume();
          throw new StorageError('PayloadTooLarge', `A part is at most ${check.claims.maxSize} bytes`, {
            operation: 'uploadPart',
          });
        }
        const abort = new AbortController();
        const onClose = () => {
          if (!request.raw.complete)
            abort.abort(new StorageError('Aborted', 'The client went away mid-part'));
        };
        request.raw.once('close', onClose);
        ctx.metrics.uploadsInFlight.inc();
        try {
          const part = await sessions.uploadPart(uploadId, n, request.body as Readable, {
            ...(contentLength === undefined ? {} : { contentLength }),
            signal: abort.signal,
          });
          ctx.metrics.bytesIn.inc(part.size);
          reply.headers({ ...cors, etag: part.etag });
          return { PartNumber: part.number, Size: part.size, ETag: part.etag };
        } catch (error) {
          if (!request.raw.complete) (request.body as Readable).resume();
          throw error;
        } finally {
          ctx.metrics.uploadsInFlight.dec();
          request.raw.off('close', onClose);
        }
      },
    );
  });

  // Expired uploads lose their records and staged objects (their sessions expire on their own).
  const timer = setInterval(() => {
    void sweep().catch((error: unknown) => app.log.warn({ err: error }, 'direct upload sweep failed'));
  }, 15 * 60_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
  const sweep = async () => {
    const now = Date.now();
    let cursor: string | undefined;
    do {
      const page = await jobs.list<DirectRecord>(KIND, {
        limit: 500,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const job of page.items) {
        if (Date.parse(job.data.expiresAt) > now) continue;
        await sessions.abort(job.id).catch((error: unknown) => {
          if (!isStorageError(error, 'NotFound')) throw error;
        });
        await end(job.id, job.data);
      }
      cursor = page.cursor;
    } while (cursor !== undefined);
  };
}

function unquote(etag: string): string {
  return etag.replaceAll('"', '');
}
