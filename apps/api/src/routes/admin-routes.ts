import { StorageError } from '@stowage/core';
import { MIGRATION_JOB_KIND } from '@stowage/hybrid';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import * as z from 'zod';
import type { ApiContext } from '../http/api-context.js';
import { requireScope } from '../http/require-scope.js';
import { errorResponses } from './schemas.js';

const keySchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(['read', 'write', 'admin'])),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});

/** Admin: API keys and the hybrid rollout (its percentage, shared by every instance, and migration progress). */
export async function adminRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const admin = { preHandler: requireScope('admin') };

  routes.post(
    '/v1/admin/keys',
    {
      schema: {
        summary: 'Create an API key',
        description:
          'The answer is the only time the secret is shown. Send `token` as `X-Api-Key` or `Authorization: Bearer`.',
        tags: ['admin'],
        body: z.object({
          name: z.string().min(1).max(200),
          scopes: z.array(z.enum(['read', 'write', 'admin'])).min(1),
        }),
        response: { 201: keySchema.extend({ secret: z.string(), token: z.string() }), ...errorResponses },
      },
      ...admin,
    },
    async (request, reply) => {
      const created = await ctx.keys.create(request.body.name, request.body.scopes);
      return reply.code(201).send({ ...keyAnswer(created), secret: created.secret, token: created.token });
    },
  );

  routes.get(
    '/v1/admin/keys',
    {
      schema: {
        summary: 'List API keys (never their secrets)',
        tags: ['admin'],
        querystring: z.object({ cursor: z.string().optional() }),
        response: {
          200: z.object({ items: z.array(keySchema), cursor: z.string().optional() }),
          ...errorResponses,
        },
      },
      ...admin,
    },
    async (request) => {
      const page = await ctx.keys.list(
        request.query.cursor === undefined ? {} : { cursor: request.query.cursor },
      );
      return {
        items: page.items.map(keyAnswer),
        ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
      };
    },
  );

  routes.delete(
    '/v1/admin/keys/:id',
    {
      schema: {
        summary: 'Revoke an API key',
        tags: ['admin'],
        params: z.object({ id: z.string() }),
        response: { 204: z.null(), ...errorResponses },
      },
      ...admin,
    },
    async (request, reply) => {
      await ctx.keys.revoke(request.params.id);
      return reply.code(204).send(null);
    },
  );

  const rolloutName = ctx.runtime.config.hybrid?.rollout ?? 'default';
  const rolloutAnswer = z.object({
    name: z.string(),
    percentage: z.number(),
    version: z.number(),
    pendingCleanups: z.number().optional(),
    migration: z.unknown().optional(),
  });
  const hybridOnly = () => {
    if (ctx.runtime.mode !== 'hybrid') {
      throw new StorageError(
        'Unsupported',
        `${ctx.runtime.mode} mode has no rollout (set STOWAGE_MODE=hybrid)`,
        {
          operation: 'rollout',
        },
      );
    }
  };

  routes.get(
    '/v1/admin/rollout',
    {
      schema: {
        summary: 'The hybrid rollout and migration progress',
        tags: ['admin'],
        response: { 200: rolloutAnswer, ...errorResponses },
      },
      ...admin,
    },
    async () => {
      hybridOnly();
      const snapshot = await ctx.runtime.database.rollouts.get(rolloutName);
      const store = ctx.runtime.store as unknown as { percentage: number; pendingCleanups?: number };
      const migrations = await ctx.runtime.database.jobs.list(MIGRATION_JOB_KIND, { limit: 100 });
      return {
        name: rolloutName,
        percentage: snapshot?.percentage ?? store.percentage,
        version: snapshot?.version ?? 0,
        ...(store.pendingCleanups === undefined ? {} : { pendingCleanups: store.pendingCleanups }),
        ...(migrations.items.length === 0
          ? {}
          : {
              migration: migrations.items.map((job) => ({
                id: job.id,
                updatedAt: job.updatedAt.toISOString(),
                state: job.data,
              })),
            }),
      };
    },
  );

  routes.put(
    '/v1/admin/rollout',
    {
      schema: {
        summary: 'Set the hybrid percentage (every instance follows)',
        tags: ['admin'],
        body: z.object({
          percentage: z.number().int().min(0).max(100),
          expectedVersion: z
            .number()
            .int()
            .min(0)
            .optional()
            .describe('Compare-and-swap: refused (409) when another change came first'),
        }),
        response: { 200: rolloutAnswer, ...errorResponses },
      },
      ...admin,
    },
    async (request) => {
      hybridOnly();
      const { percentage, expectedVersion } = request.body;
      const snapshot = await ctx.runtime.database.rollouts.set(
        rolloutName,
        percentage,
        expectedVersion === undefined ? {} : { expectedVersion },
      );
      request.log.info({ rollout: rolloutName, percentage, actor: request.principal!.id }, 'rollout set');
      return { name: rolloutName, percentage: snapshot.percentage, version: snapshot.version };
    },
  );
}

function keyAnswer(key: {
  id: string;
  name: string;
  scopes: Array<'read' | 'write' | 'admin'>;
  createdAt: Date;
  revokedAt?: Date;
}) {
  return {
    id: key.id,
    name: key.name,
    scopes: key.scopes,
    createdAt: key.createdAt.toISOString(),
    ...(key.revokedAt === undefined ? {} : { revokedAt: key.revokedAt.toISOString() }),
  };
}
