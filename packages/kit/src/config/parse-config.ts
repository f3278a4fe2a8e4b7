import { StorageError } from '@stowage/core';
import * as z from 'zod/mini';
import { Secret } from './secret.js';

/**
 * The configuration convention. Every configurable package exports one zod schema (built
 * with `zod/mini`, so a store that is never configured from untrusted input does not pay for
 * zod's full build), one plain config type the schema is checked against, and parses with
 * this function. One policy: unknown settings are errors (a misspelt setting never silently
 * does nothing). One message format: "Invalid <component> configuration: <setting>: <what is
 * allowed>", listing every problem, never echoing a value (it may be a secret).
 * @throws ConfigInvalid naming each bad setting.
 */
export function parseConfig<T>(schema: ConfigSchema<T>, input: unknown, component: string): T {
  const result = schema.safeParse(input === undefined ? {} : input);
  if (result.success) return result.data;
  throw new StorageError('ConfigInvalid', configMessage(component, result.error.issues), {
    operation: 'configure',
    backend: component,
  });
}

/** What `parseConfig` needs of a schema: any zod schema (mini or classic) fits. */
export interface ConfigSchema<T> {
  safeParse(
    input: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly z.core.$ZodIssue[] } };
}

/** The message `parseConfig` throws, from zod issues. */
export function configMessage(component: string, issues: readonly z.core.$ZodIssue[]): string {
  const problems = issues.map((issue) => {
    const path = issue.path.length === 0 ? '(the configuration)' : issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      return `${path === '(the configuration)' ? '' : `${path}: `}unknown setting${issue.keys.length > 1 ? 's' : ''} ${names}`;
    }
    return `${path}: ${issue.message}`;
  });
  return `Invalid ${component} configuration: ${problems.join('; ')}`;
}

/** A secret setting: a non-empty string or a `Secret`, held as a `Secret`. */
export function secretSchema(): z.ZodMiniType<Secret, string | Secret> {
  return z.pipe(
    z.union([
      z.string().check(z.minLength(1, 'must not be empty')),
      z.custom<Secret, Secret>((v) => v instanceof Secret, 'must be a string or a Secret'),
    ]),
    z.transform((v: string | Secret) => (typeof v === 'string' ? new Secret(v) : v)),
  );
}

/** A positive safe integer (sizes, counts, milliseconds). */
export function positiveInteger(what = 'must be a positive integer'): z.ZodMiniType<number, number> {
  return z.number().check(z.refine((n) => Number.isSafeInteger(n) && n > 0, what));
}

/**
 * A setting that takes a port (an ObjectStore, a JobStateStore, a Logger, a Clock…): any
 * object with the named methods. Duck-typed, so an implementation from another copy of a
 * package fits; it is used as given, never copied, so its own checks apply.
 * `PORT_METHODS` lists the methods of the common ports.
 */
export function portSchema<T>(methods: readonly string[], what: string): z.ZodMiniType<T, T> {
  return z.custom<T, T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((name) => typeof (value as Record<string, unknown>)[name] === 'function'),
    `must be ${what}`,
  );
}

/** The methods `portSchema` checks for the ports settings most often take. */
export const PORT_METHODS = Object.freeze({
  objectStore: [
    'put',
    'get',
    'head',
    'exists',
    'delete',
    'deleteMany',
    'copy',
    'move',
    'list',
    'listPage',
    'presignGet',
    'presignPut',
  ],
  jobStateStore: ['get', 'save', 'delete', 'list'],
  logger: ['debug', 'info', 'warn', 'error', 'child'],
  clock: ['now'],
} as const);

/** A Clock-shaped object: anything with `now()`. */
export function clockSchema<T extends { now(): Date }>(): z.ZodMiniType<T, T> {
  return portSchema<T>(PORT_METHODS.clock, 'an object with a now() method');
}

/** A `fetch`-shaped function (tests route requests to a local server with one). */
export function fetchSchema(): z.ZodMiniType<typeof globalThis.fetch, typeof globalThis.fetch> {
  return z.custom<typeof globalThis.fetch, typeof globalThis.fetch>(
    (v) => typeof v === 'function',
    'must be a fetch function',
  );
}
