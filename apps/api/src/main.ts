#!/usr/bin/env node
import { createRuntime } from '@stowage/runtime';
import { createS3Gateway, type S3Gateway } from '@stowage/s3-gateway';
import { type ApiKeys, SERVICE_TOKENS } from '@stowage/services';
import { buildApi } from './build-api.js';

/**
 * `stowage-api`: the storage service on the configuration from the environment (and
 * `STOWAGE_CONFIG`), local mode by default; with `gateway.port` (STOWAGE_GATEWAY_PORT) it also
 * speaks the S3 protocol on that port, over the same runtime and API keys. Stops on SIGINT/SIGTERM: no new connections,
 * transfers in flight get `api.shutdownGraceMs` to finish, then the runtime closes and the
 * process exits by itself.
 */
const runtime = await createRuntime({ files: 'mount' });
const app = await buildApi({ runtime });
const host = runtime.config.server?.host ?? '127.0.0.1';
const port = runtime.config.server?.port ?? 8787;
const address = await app.listen({ host, port });
const base = runtime.config.server?.publicUrl ?? `${address}/`;

// The S3 gateway on its own port, sharing the runtime: the same store, database and API keys.
let gateway: S3Gateway | undefined;
if (runtime.config.gateway?.port !== undefined) {
  gateway = await createS3Gateway({ runtime });
  await gateway.listen();
}

const lines = [`Stowage storage service (${runtime.mode} mode) listening on ${base}`];
if (gateway !== undefined) {
  lines.push(`S3 gateway listening on ${gateway.url} (access key id = API key id, secret = its secret)`);
}
if (runtime.mode === 'local' || runtime.mode === 'memory') {
  // A development key, so the first curl works. Its secret is derived, never stored: printing it is re-deriving it.
  const keys = runtime.resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys);
  const existing = (await keys.list({ limit: 1000 })).items.find(
    (k) => k.name === 'local-admin' && k.revokedAt === undefined,
  );
  const id = existing?.id ?? (await keys.create('local-admin', ['admin'])).id;
  const token = `${id}.${keys.secretOf(id)}`;
  lines.push(
    '',
    `Data: ${runtime.config.dataDir ?? '.stowage'} · API docs: ${base}docs · OpenAPI: ${base}openapi.json`,
    `Local admin key (for this machine only): ${token}`,
    '',
    'Try it:',
    `  curl -sS -X PUT -H 'X-Api-Key: ${token}' -H 'x-stowage-visibility: public' --data-binary 'hello, stowage' ${base}v1/objects/notes/hello.txt`,
    `  curl -sS -H 'X-Api-Key: ${token}' ${base}v1/objects/notes/hello.txt`,
    `  curl -sS -H 'X-Api-Key: ${token}' '${base}v1/objects?prefix=notes/'`,
    `  curl -sS ${base}files/notes/hello.txt        # public objects, no key, as a CDN would serve them`,
    ...(gateway === undefined
      ? []
      : [
          `  AWS_ACCESS_KEY_ID=${id} AWS_SECRET_ACCESS_KEY=${keys.secretOf(id)} AWS_REGION=us-east-1 aws --endpoint-url ${gateway.url} s3 ls`,
        ]),
    '',
    'Stop with Ctrl-C.',
  );
}
process.stdout.write(`${lines.join('\n')}\n`);

const grace = runtime.config.api?.shutdownGraceMs ?? 30_000;
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal, graceMs: grace }, 'shutting down: no new connections, finishing transfers');
  const force = setTimeout(() => {
    app.log.warn('grace period over: closing the remaining connections');
    app.server.closeAllConnections();
  }, grace);
  force.unref();
  try {
    await Promise.all([app.close(), gateway?.close()]);
  } finally {
    clearTimeout(force);
    await runtime.close();
  }
};
process.once('SIGINT', () => void stop('SIGINT'));
process.once('SIGTERM', () => void stop('SIGTERM'));
