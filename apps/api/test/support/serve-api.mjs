// The storage service in a process of its own, for tests that need several instances or the
// service's own memory figures. Configuration: JSON in STOWAGE_TEST_CONFIG (runtime overrides).
// Prints one line, `READY <base url> <admin token> <pid>`, then serves until SIGTERM/SIGINT.
import { createRuntime } from '@stowage/runtime';
import { SERVICE_TOKENS } from '@stowage/services';
import { pino } from 'pino';
import { buildApi } from '../../dist/index.js';

const config = JSON.parse(process.env.STOWAGE_TEST_CONFIG ?? '{}');
const runtime = await createRuntime({
  env: {},
  files: 'mount',
  overrides: config,
  logger: new (await import('@stowage/core')).NoopLogger(),
});
const app = await buildApi({ runtime, logger: pino({ level: process.env.STOWAGE_TEST_LOG ?? 'silent' }) });
const address = await app.listen({ host: '127.0.0.1', port: config.server?.port ?? 0 });
const keys = runtime.resolve(SERVICE_TOKENS.ApiKeys);
const admin = await keys.create(`admin of ${process.pid}`, ['admin']);
process.stdout.write(`READY ${address}/ ${admin.token} ${process.pid}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await app.close();
  await runtime.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
