import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiContext } from '../http/api-context.js';
import { requireScope } from '../http/require-scope.js';
import { checkedKey } from './object-routes.js';
import { errorResponses } from './schemas.js';

/** Presigned GET and PUT URLs, bounded in expiry and (PUT) size; every one audited. */
export async function presignRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.post(
    '/v1/presign',
    {
      schema: {
        summary: 'Presign a download or an upload',
        description:
          'GET needs the read scope, PUT the write scope. A PUT URL caps the size (`maxSize`, default 100 MiB) and may pin the content type; on S3 a size-capped upload is a POST form (`method`, `url`, `fields`).',
        tags: ['presign'],
        body: z.object({
          key: z.string().min(1),
          method: z.enum(['GET', 'PUT']),
          expiresIn: z.number().int().min(1).optional().describe('Seconds; bounded by the service'),
          maxSize: z.number().int().min(0).optional(),
          contentType: z.string().optional(),
          filename: z.string().optional().describe('GET: download under this name'),
        }),
        response: {
          200: z.object({
            method: z.string(),
            url: z.string(),
            headers: z.record(z.string(), z.string()).optional(),
            fields: z.record(z.string(), z.string()).optional(),
            expiresAt: z.string(),
            maxSize: z.number().optional(),
          }),
          ...errorResponses,
        },
      },
      preHandler: async (request, reply) => {
        const body = request.body as { method?: string };
        await requireScope(body.method === 'PUT' ? 'write' : 'read')(request);
        void reply;
      },
    },
    async (request) => {
      const { key, method, expiresIn, maxSize, contentType, filename } = request.body;
      const actor = request.principal!.id;
      checkedKey(key);
      if (method === 'GET') {
        const signed = await ctx.accessUrls.download(key, {
          actor,
          ...(expiresIn === undefined ? {} : { expiresIn }),
          ...(filename === undefined ? {} : { filename }),
        });
        return { method: 'GET', url: signed.url, expiresAt: signed.expiresAt.toISOString() };
      }
      const signed = await ctx.accessUrls.upload(key, {
        actor,
        ...(expiresIn === undefined ? {} : { expiresIn }),
        ...(maxSize === undefined ? {} : { maxSize }),
        ...(contentType === undefined ? {} : { contentType }),
      });
      return {
        method: signed.method,
        url: signed.url,
        headers: signed.headers,
        ...('fields' in signed && signed.fields !== undefined
          ? { fields: signed.fields as Record<string, string> }
          : {}),
        expiresAt: signed.expiresAt.toISOString(),
        maxSize: signed.maxSize,
      };
    },
  );
}
