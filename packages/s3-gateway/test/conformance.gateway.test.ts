import type { S3ObjectStore } from '@stowage/s3';
import { describeObjectStoreConformance, OffsetClock } from '@stowage/testkit';
import { gatewayClientStore } from './client-store.js';
import { type GatewayMode, type RunningGateway, startGateway, uniqueName } from './support.js';

/**
 * Stowage's ObjectStore contract through the whole round trip: the s3 adapter (an S3 client)
 * → the gateway (SigV4, payload decoding, XML) → the runtime's store of each mode, and back.
 */
const MODES: ReadonlyArray<{ mode: GatewayMode; checksums: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED' }> = [
  { mode: 'local', checksums: 'WHEN_SUPPORTED' },
  { mode: 'memory', checksums: 'WHEN_REQUIRED' },
  { mode: 'hybrid', checksums: 'WHEN_SUPPORTED' },
];

for (const { mode, checksums } of MODES) {
  let gw: RunningGateway | undefined;
  const secrets: string[] = [];
  // The gateway judges expiry by real time: the suite signs in the past through this clock.
  const clock = new OffsetClock();
  describeObjectStoreConformance({
    name: `s3 adapter → gateway → ${mode} (checksums ${checksums})`,
    clock: { advance: (ms) => clock.advance(ms), set: (date) => clock.set(date), readBy: 'signer' },
    largeObjectBytes: 12 * 1024 * 1024,
    async create() {
      gw = await startGateway(mode);
      let name = gw.primaryBucket;
      if (name === undefined) {
        name = uniqueName('conformance');
        await gw.gateway.buckets.create(name);
      }
      const bucket = (await gw.gateway.buckets.get(name))!;
      const store = gatewayClientStore(gw, bucket, { clock, checksums });
      // Secrets the client holds: none may show in inspect, JSON or errors.
      secrets.splice(0, secrets.length, gw.secretAccessKey, gw.accessKeyId);
      return store;
    },
    secrets,
    async cleanup(store) {
      (store as S3ObjectStore).destroy();
      await gw?.close();
    },
  });
}
