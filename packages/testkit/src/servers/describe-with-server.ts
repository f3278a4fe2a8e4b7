import { describe, it } from 'vitest';
import {
  type AvailableS3Target,
  ENABLE_SERVERS_HINT,
  type S3ServerName,
  s3TestTarget,
} from './s3-test-target.js';

/** CI is "set" unless it is empty, "0" or "false". */
export function isCi(env: Record<string, string | undefined> = process.env): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

/**
 * A describe block that needs a real test server. `fn` registers the suite's tests with the
 * reachable target. When the server is unreachable:
 * - in CI, one test fails loudly with the reason (a missing server is a failure, not a skip);
 * - locally, one visible skipped test says why and exactly how to start the servers.
 */
export function describeWithServer(
  name: S3ServerName,
  fn: (target: AvailableS3Target) => void | Promise<void>,
  title = `against ${name}`,
): void {
  describe(title, async () => {
    const target = await s3TestTarget(name);
    if (target.available) {
      await fn(target);
      return;
    }
    if (isCi()) {
      it(`${name} test server is reachable`, () => {
        throw new Error(`${target.reason}. CI must run the real servers: ${ENABLE_SERVERS_HINT}`);
      });
    } else {
      it(`${name} test server is reachable`, (ctx) => {
        ctx.skip(`${target.reason}. To run these tests: ${ENABLE_SERVERS_HINT}`);
      });
    }
  });
}
