import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, it, type TestContext } from 'vitest';

/** Options every port conformance suite takes. */
export interface PortConformanceOptions<P> {
  /** Shown in the suite title. */
  name: string;
  /** Called once, in beforeAll. */
  create(): P | Promise<P>;
  /** Called once, in afterAll. */
  cleanup?(port: P): void | Promise<void>;
}

/** What a port case gets. */
export interface PortCase<P, O = PortConformanceOptions<P>> {
  port: P;
  /** Unique to this case and run: use it in every key, kind or id the case writes. */
  ns: string;
  /** The suite's options (limits the implementation declares, …). */
  options: O;
  test: TestContext;
  /** Skips the rest of the case at runtime, naming the implementation and the reason. */
  skip(reason: string): never;
}

export interface CaseOptions {
  timeout?: number;
}

export type CaseFn<C> = (c: C) => Promise<void>;

/**
 * Where case files register their cases: a running suite, or a collector of names (for
 * inventories). Case files take this, never vitest's `it`, so a suite can be counted
 * without running it.
 */
export interface CaseRegistry<C> {
  case(name: string, fn: CaseFn<C>): void;
  case(name: string, options: CaseOptions, fn: CaseFn<C>): void;
}

export type Category<C> = readonly [name: string, register: (cases: CaseRegistry<C>) => void];

/** The names of the cases `categories` register, in order (for reports and inventory tests). */
export function caseNames<C>(categories: ReadonlyArray<Category<C>>): string[] {
  const names: string[] = [];
  const collector: CaseRegistry<C> = { case: (name: string) => void names.push(name) };
  for (const [, register] of categories) register(collector);
  return names;
}

/** Splits `case(name, fn)` / `case(name, options, fn)`. */
export function caseArgs<C>(
  optionsOrFn: CaseOptions | CaseFn<C>,
  maybeFn: CaseFn<C> | undefined,
): [CaseOptions, CaseFn<C>] {
  if (typeof optionsOrFn === 'function') return [{}, optionsOrFn];
  if (maybeFn === undefined) throw new Error('conformance: a case needs a function');
  return [optionsOrFn, maybeFn];
}

/**
 * Registers cases that share one port instance, each with its own namespace, and runs each
 * case's cleanup (best effort) whether it passed or not. Construct it inside a `describe`.
 */
export class PortSuite<P, O extends PortConformanceOptions<P> = PortConformanceOptions<P>>
  implements CaseRegistry<PortCase<P, O>>
{
  private port: P | undefined;
  private index = 0;
  private readonly run = randomBytes(5).toString('hex');

  constructor(
    private readonly options: O,
    private readonly root: string,
    private readonly cleanupCase: (port: P, ns: string) => Promise<void>,
  ) {
    beforeAll(async () => {
      this.port = await options.create();
    });
    afterAll(async () => {
      if (this.port !== undefined) await options.cleanup?.(this.port);
    });
  }

  case(name: string, fn: CaseFn<PortCase<P, O>>): void;
  case(name: string, options: CaseOptions, fn: CaseFn<PortCase<P, O>>): void;
  case(
    name: string,
    optionsOrFn: CaseOptions | CaseFn<PortCase<P, O>>,
    maybeFn?: CaseFn<PortCase<P, O>>,
  ): void {
    const [caseOptions, fn] = caseArgs(optionsOrFn, maybeFn);
    const ns = `${this.root}/${this.run}/${String(this.index++).padStart(3, '0')}`;
    it(
      name,
      async (test) => {
        const port = this.port;
        if (port === undefined) throw new Error('conformance: the port was not created (did create() fail?)');
        const skip = (reason: string): never => test.skip(`${this.options.name} ${reason}`);
        try {
          await fn({ port, ns, options: this.options, test, skip });
        } finally {
          await this.cleanupCase(port, ns).catch(() => undefined);
        }
      },
      caseOptions.timeout,
    );
  }
}

/** Registers `categories` as nested describes of one suite sharing a `PortSuite`. */
export function describePortSuite<P, O extends PortConformanceOptions<P>>(
  title: string,
  options: O,
  categories: ReadonlyArray<Category<PortCase<P, O>>>,
  cleanupCase: (port: P, ns: string) => Promise<void>,
  root = 'stowage-conformance',
): void {
  describe(`${title}: ${options.name}`, () => {
    const suite = new PortSuite<P, O>(options, root, cleanupCase);
    for (const [name, register] of categories) describe(name, () => register(suite));
  });
}
