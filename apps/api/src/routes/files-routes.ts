import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../http/api-context.js';

/**
 * Local and memory modes serve public objects and signed URLs the way a CDN would, on the
 * service's own port under `/files/` (the runtime builds the handler with `files: 'mount'`).
 */
export async function filesRoutes(app: FastifyInstance, ctx: ApiContext): Promise<void> {
  const files = ctx.runtime.files;
  if (files === undefined || files.listening) return;
  app.register(async (scoped) => {
    // The handler reads the body itself (signed PUTs): nothing may parse it first.
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scoped.route({
      method: ['GET', 'HEAD', 'PUT'],
      url: '/files/*',
      schema: { hide: true },
      handler: (request, reply) => {
        reply.hijack();
        // Hijacked replies skip the service's hooks: the id its errors carry is set here.
        reply.raw.setHeader('x-request-id', String(request.id));
        files.handler(request.raw, reply.raw);
      },
    });
  });
}
