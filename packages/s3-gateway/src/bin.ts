#!/usr/bin/env node
// The runtime first: it loads reflect-metadata for the services' container.
import { createRuntime } from '@stowage/runtime';
import { type ApiKeys, SERVICE_TOKENS } from '@stowage/services';
import { createS3Gateway } from './create-s3-gateway.js';

const USAGE = `stowage-s3-gateway: the S3 protocol in front of the configured Stowage store.

Usage: stowage-s3-gateway [--host HOST] [--port PORT] [--bucket NAME] [--create-key NAME]

  --host        listen address (default STOWAGE_GATEWAY_HOST, STOWAGE_HOST, else 127.0.0.1)
  --port        listen port (default STOWAGE_GATEWAY_PORT, else 9000; 0 for any)
  --bucket      bucket name of the runtime's own store (default STOWAGE_GATEWAY_BUCKET, s3.bucket)
  --create-key  create an API key with read, write and admin scopes and print it once

The store is configured as for every Stowage process (STOWAGE_MODE, STOWAGE_DATA_DIR, …);
access keys are the service's API keys (key id = access key id).`;

function usageError(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    }
    const m = /^--(host|port|bucket|create-key)(?:=(.*))?$/.exec(arg);
    if (m === null) usageError(`Unknown argument ${arg}`);
    out[m[1]!] = m[2] ?? argv[++i] ?? '';
  }
  return out;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.port !== undefined && !/^\d{1,5}$/.test(args.port))
    usageError(`--port must be a port number, not ${JSON.stringify(args.port)}`);
  const runtime = await createRuntime({ files: 'mount' });
  const settings = runtime.config.gateway ?? {};
  const gateway = await createS3Gateway({
    runtime,
    port: args.port === undefined ? (settings.port ?? 9000) : Number(args.port),
    ...(args.host === undefined ? {} : { host: args.host }),
    ...(args.bucket === undefined ? {} : { primaryBucket: args.bucket }),
  });
  const url = await gateway.listen();
  let keyLines = '  (create one with --create-key NAME)';
  if (args['create-key'] !== undefined) {
    const key = await runtime
      .resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys)
      .create(args['create-key'] || 's3-gateway', ['read', 'write', 'admin']);
    keyLines = `  export AWS_ACCESS_KEY_ID=${key.id}\n  export AWS_SECRET_ACCESS_KEY=${key.secret}\n  (the secret is shown once)`;
  }
  console.log(
    `Stowage S3 gateway (${runtime.mode} mode) listening on ${url}\n\nCredentials (an API key):\n${keyLines}\n\nTry:\n  aws --endpoint-url ${url} s3 mb s3://my-bucket\n  aws --endpoint-url ${url} s3 ls`,
  );
  const stop = async () => {
    await gateway.close();
    await runtime.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(`stowage-s3-gateway: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
