import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../http/api-context.js';

/**
 * `/healthz`: the process answers (liveness). `/readyz`: the database and the store answer and
 * memory is below the pressure threshold (readiness: take the instance out of rotation, not
 * kill it). `/metrics`: Prometheus text, public unless `api.metricsPublic` is false (then it
 * needs the admin scope).
 */
export async function healthRoutes(
  app: FastifyInstance,
  ctx: ApiContext,
  options: { metricsPublic: boolean },
): Promise<void> {
  app.get('/healthz', { schema: { summary: 'Liveness', tags: ['operations'] } }, async () => ({
    status: 'ok',
  }));

  app.get(
    '/readyz',
    { schema: { summary: 'Readiness: database, store, memory pressure', tags: ['operations'] } },
    async (_request, reply) => {
      const checks: Record<string, { ok: boolean; detail?: string }> = {};
      const probe = async (name: string, run: () => Promise<unknown>) => {
        const timeout = AbortSignal.timeout(3000);
        try {
          await Promise.race([
            run(),
            new Promise((_, reject) =>
              timeout.addEventListener('abort', () => reject(new Error('timed out after 3 s'))),
            ),
          ]);
          checks[name] = { ok: true };
        } catch (error) {
          checks[name] = { ok: false, detail: error instanceof Error ? error.message : String(error) };
        }
      };
      await Promise.all([
        probe('database', () => ctx.runtime.database.ping()),
        probe('store', () => ctx.runtime.store.exists('.stowage/readyz')),
      ]);
      const pressure = (app as unknown as { isUnderPressure?: () => boolean }).isUnderPressure?.() ?? false;
      const memory = process.memoryUsage();
      checks.memory = { ok: !pressure, detail: `rss ${Math.round(memory.rss / 1048576)} MiB` };
      const ready = Object.values(checks).every((c) => c.ok);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unready', checks });
    },
  );

  app.get(
    '/metrics',
    {
      schema: { summary: 'Prometheus metrics', tags: ['operations'] },
      ...(options.metricsPublic
        ? {}
        : { preHandler: (await import('../http/require-scope.js')).requireScope('admin') }),
    },
    async (_request, reply) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.registry.metrics();
    },
  );
}
