import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BucketAdmin, NoopLogger, TOKENS } from '@stowage/core';
import { createRuntime, type Runtime, type RuntimeConfig } from '@stowage/runtime';
import { type ApiKeys, SERVICE_TOKENS } from '@stowage/services';
import { s3TargetSettings } from '@stowage/testkit';
import { type CreateS3GatewayOptions, createS3Gateway, type S3Gateway } from '../src/index.js';

export type GatewayMode = 'local' | 'memory' | 'hybrid' | 'seaweedfs';

export interface RunningGateway {
  mode: GatewayMode;
  runtime: Runtime;
  gateway: S3Gateway;
  url: string;
  accessKeyId: string;
  secretAccessKey: string;
  dataDir: string;
  /** The bucket served by the runtime's own store (hybrid, seaweedfs), when there is one. */
  primaryBucket: string | undefined;
  region: string;
  close(): Promise<void>;
}

/** The runtime settings of each mode the tests run the gateway over. */
export function runtimeConfigFor(mode: GatewayMode, dataDir: string): RuntimeConfig {
  const base: RuntimeConfig = { dataDir, database: { kind: 'memory' }, local: { fsync: false } };
  switch (mode) {
    case 'local':
      return { ...base, mode: 'local' };
    case 'memory':
      return { ...base, mode: 'memory' };
    case 'hybrid':
      // Half the keys on each side: local files and memory.
      return { ...base, mode: 'hybrid', hybrid: { from: 'local', to: 'memory', percentage: 50 } };
    case 'seaweedfs': {
      const weed = s3TargetSettings('seaweedfs');
      return {
        ...base,
        mode: 'seaweedfs',
        s3: {
          bucket: `gw-primary-${Math.random().toString(36).slice(2, 10)}`,
          endpoint: weed.endpoint,
          region: weed.region,
          accessKeyId: weed.accessKeyId,
          secretAccessKey: weed.secretAccessKey,
          forcePathStyle: true,
        },
      };
    }
  }
}

/** A runtime of `mode` with a gateway listening on a free port and a key with every scope. */
export async function startGateway(
  mode: GatewayMode,
  options: Omit<CreateS3GatewayOptions, 'runtime'> & { config?: RuntimeConfig } = {},
): Promise<RunningGateway> {
  const dataDir = await mkdtemp(join(tmpdir(), `s3gw-${mode}-`));
  const config = { ...runtimeConfigFor(mode, dataDir), ...options.config };
  const runtime = await createRuntime({
    env: {},
    overrides: config,
    files: 'mount',
    logger: new NoopLogger(),
  });
  const admin = mode === 'seaweedfs' ? runtime.resolve<BucketAdmin>(TOKENS.BucketAdmin) : undefined;
  if (admin !== undefined && !(await admin.bucketExists(config.s3!.bucket!))) {
    await admin.createBucket(config.s3!.bucket!);
  }
  const key = await runtime
    .resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys)
    .create('tests', ['read', 'write', 'admin']);
  const { config: _config, ...gatewayOptions } = options;
  const gateway = await createS3Gateway({ runtime, ...gatewayOptions });
  const url = await gateway.listen();
  const primaryBucket = mode === 'hybrid' ? (options.primaryBucket ?? 'stowage') : config.s3?.bucket;
  return {
    mode,
    runtime,
    gateway,
    url,
    accessKeyId: key.id,
    secretAccessKey: key.secret,
    dataDir,
    primaryBucket,
    region: 'us-east-1',
    async close() {
      await gateway.close();
      // The runtime's own SeaweedFS bucket goes with the test (force: whatever is left in it).
      if (admin !== undefined) await admin.deleteBucket(config.s3!.bucket!, { force: true }).catch(() => {});
      await runtime.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function uniqueName(label: string): string {
  return `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase();
}
