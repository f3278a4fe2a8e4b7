import { type BucketAdmin, StorageError, TOKENS } from '@stowage/core';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiContext } from '../http/api-context.js';
import { requireScope } from '../http/require-scope.js';
import { errorResponses } from './schemas.js';

/** Buckets of S3-family modes: list (read), create, delete (non-empty refused) and lifecycle rules (admin). */
export async function bucketRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admin = (): BucketAdmin => {
    if (!ctx.runtime.container.isRegistered(TOKENS.BucketAdmin, true)) {
      throw new StorageError('Unsupported', `${ctx.runtime.mode} mode has no buckets to administer`, {
        operation: 'buckets',
      });
    }
    return ctx.runtime.resolve<BucketAdmin>(TOKENS.BucketAdmin);
  };
  const name = z.object({ name: z.string().min(3).max(63) });

  routes.get(
    '/v1/buckets',
    {
      schema: {
        summary: 'List buckets',
        tags: ['buckets'],
        querystring: z.object({ cursor: z.string().optional() }),
        response: {
          200: z.object({
            items: z.array(z.object({ name: z.string(), createdAt: z.string().optional() })),
            cursor: z.string().optional(),
          }),
          ...errorResponses,
        },
      },
      preHandler: requireScope('read'),
    },
    async (request) => {
      const page = await admin().listBuckets(
        request.query.cursor === undefined ? {} : { cursor: request.query.cursor },
      );
      return {
        items: page.items.map((b) => ({
          name: b.name,
          ...(b.createdAt === undefined ? {} : { createdAt: b.createdAt.toISOString() }),
        })),
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      };
    },
  );

  routes.post(
    '/v1/buckets',
    {
      schema: {
        summary: 'Create a bucket',
        tags: ['buckets'],
        body: name,
        response: { 201: name, ...errorResponses },
      },
      preHandler: requireScope('admin'),
    },
    async (request, reply) => {
      await admin().createBucket(request.body.name);
      return reply.code(201).send({ name: request.body.name });
    },
  );

  routes.delete(
    '/v1/buckets/:name',
    {
      schema: {
        summary: 'Delete an empty bucket',
        tags: ['buckets'],
        params: name,
        response: { 204: z.null(), ...errorResponses },
      },
      preHandler: requireScope('admin'),
    },
    async (request, reply) => {
      await admin().deleteBucket(request.params.name);
      return reply.code(204).send(null);
    },
  );

  const rules = z.object({
    rules: z.array(
      z.object({ id: z.string().min(1), prefix: z.string(), expireAfterDays: z.number().int().min(1) }),
    ),
  });
  routes.get(
    '/v1/buckets/:name/lifecycle',
    {
      schema: {
        summary: 'Lifecycle rules of a bucket',
        tags: ['buckets'],
        params: name,
        response: { 200: rules, ...errorResponses },
      },
      preHandler: requireScope('read'),
    },
    async (request) => ({ rules: await admin().getLifecycleRules(request.params.name) }),
  );
  routes.put(
    '/v1/buckets/:name/lifecycle',
    {
      schema: {
        summary: 'Set lifecycle rules',
        tags: ['buckets'],
        params: name,
        body: rules,
        response: { 200: rules, ...errorResponses },
      },
      preHandler: requireScope('admin'),
    },
    async (request) => {
      await admin().setLifecycleRules(request.params.name, request.body.rules);
      return { rules: request.body.rules };
    },
  );
}
