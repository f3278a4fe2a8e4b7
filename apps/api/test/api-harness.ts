import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRuntime, type Runtime, type RuntimeConfig } from '@stowage/runtime';
import { type ApiKeys, type ApiScope, SERVICE_TOKENS } from '@stowage/services';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApi } from '../src/index.js';

export interface RunningApi {
  /** Base URL, ending in "/". */
  url: string;
  runtime: Runtime;
  app: FastifyInstance;
  /** A token per scope set, made through the service's own ApiKeys. */
  token(scopes: ApiScope[]): Promise<string>;
  close(): Promise<void>;
}

/** The service on a runtime of `config` (local mode in a temp dir unless it says otherwise), listening on a free loopback port. */
export async function startApi(config: RuntimeConfig = {}): Promise<RunningApi> {
  const dataDir = config.dataDir ?? (await mkdtemp(join(tmpdir(), 'stowage-api-')));
  // Local mode's signed URLs name the service's own address, so it must be known before the runtime is built.
  const port = config.server?.port ?? (await freePort());
  const runtime = await createRuntime({
    env: {},
    files: 'mount',
    overrides: {
      mode: 'local',
      local: { fsync: false },
      ...config,
      dataDir,
      server: { ...config.server, port },
    },
    logger: new (await import('@stowage/core')).NoopLogger(),
  });
  // Quiet unless asked: the tests read responses, not logs.
  const logger = pino({ level: process.env.STOWAGE_TEST_LOG ?? 'silent' });
  const app = await buildApi({ runtime, logger });
  const address = await app.listen({ host: '127.0.0.1', port });
  const keys = runtime.resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys);
  return {
    url: `${address}/`,
    runtime,
    app,
    token: async (scopes) => (await keys.create(`test ${scopes.join('+')}`, scopes)).token,
    close: async () => {
      await app.close();
      await runtime.close();
      if (config.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
