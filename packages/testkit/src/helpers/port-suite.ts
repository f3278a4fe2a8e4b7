import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, it, type TestContext } from 'vitest';

/** Options every port conformance suite takes. */
export interface PortConformanceOptions<P> {
  /** Shown in the suite title. */
  name: string;
  /** Called once, in beforeAll. */
  create(): P | Promise<P>;
  /** Called once, in afterAll. */
  cleanup?(port: P): void | Promise<void>;
}

export interface PortCase<P> {
  port: P;
  /** Unique to this case and run: use it in every key, kind or id the case writes. */
  ns: string;
  test: TestContext;
}

/**
 * Registers cases that share one port instance, each with its own namespace, and runs each
 * case's cleanup (best effort) whether it passed or not.
 */
export function portSuite<P>(
  options: PortConformanceOptions<P>,
  root: string,
  cleanupCase: (port: P, ns: string) => Promise<void>,
): (name: string, fn: (c: PortCase<P>) => Promise<void>, timeout?: number) => void {
  const run = randomBytes(5).toString('hex');
  let port: P | undefined;
  let index = 0;
  beforeAll(async () => {
    port = await options.create();
  });
  afterAll(async () => {
    if (port !== undefined) await options.cleanup?.(port);
  });
  return (name, fn, timeout) => {
    const ns = `${root}/${run}/${String(index++).padStart(3, '0')}`;
    it(
      name,
      async (test) => {
        if (port === undefined) throw new Error('conformance: the port was not created (did create() fail?)');
        try {
          await fn({ port, ns, test });
        } finally {
          await cleanupCase(port, ns).catch(() => undefined);
        }
      },
      timeout,
    );
  };
}
