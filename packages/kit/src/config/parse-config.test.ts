import { inspect } from 'node:util';
import { isStorageError, type StorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { baseUrlSchema } from '../http/base-url.js';
import {
  clockSchema,
  PORT_METHODS,
  parseConfig,
  portSchema,
  positiveInteger,
  secretSchema,
} from './parse-config.js';
import { isSecret, Secret } from './secret.js';

const schema = z.strictObject({
  endpoint: baseUrlSchema(),
  secret: secretSchema(),
  nested: z.optional(z.strictObject({ size: positiveInteger() })),
});

function failure(input: unknown): StorageError {
  try {
    parseConfig(schema, input, 'example');
  } catch (error) {
    if (isStorageError(error, 'ConfigInvalid')) return error;
    throw error;
  }
  throw new Error('expected ConfigInvalid');
}

describe('parseConfig', () => {
  it('parses, normalises and turns secrets into Secret', () => {
    const parsed = parseConfig(
      schema,
      { endpoint: 'http://127.0.0.1:9000', secret: 'hunter2-hunter2' },
      'example',
    );
    expect(parsed.endpoint).toBe('http://127.0.0.1:9000/');
    expect(isSecret(parsed.secret)).toBe(true);
    expect(parsed.secret.reveal()).toBe('hunter2-hunter2');
  });

  it('names every bad setting, unknown ones included, in one message format', () => {
    const error = failure({ endpoint: 'ftp://x', secret: '', extra: 1, nested: { size: 0 } });
    expect(error.message).toMatch(/^Invalid example configuration: /);
    expect(error.message).toContain('endpoint: must be an absolute http(s) URL');
    expect(error.message).toContain('secret: must not be empty');
    expect(error.message).toContain('nested.size: must be a positive integer');
    expect(error.message).toContain('unknown setting "extra"');
    expect(error.operation).toBe('configure');
  });

  it('never echoes a value, which may be a secret', () => {
    const error = failure({ endpoint: 'not a url: hunter2-hunter2', secret: 42 });
    expect(error.message).not.toContain('hunter2');
    expect(inspect(error)).not.toContain('hunter2');
  });
});

describe('Secret', () => {
  it('shows [redacted] to inspect, JSON, String and template literals', () => {
    const secret = new Secret('s3cr3t-value');
    const holder = { secret, nested: { secret } };
    for (const text of [
      inspect(holder, { depth: 5, showHidden: true }),
      JSON.stringify(holder),
      String(secret),
      `${secret}`,
    ]) {
      expect(text).not.toContain('s3cr3t-value');
    }
    expect(Object.keys(secret)).toEqual([]);
    expect(secret.reveal()).toBe('s3cr3t-value');
  });
});

describe('portSchema', () => {
  const ports = z.strictObject({
    jobs: z.optional(portSchema<{ get(): void }>(PORT_METHODS.jobStateStore, 'a JobStateStore')),
    clock: z.optional(clockSchema()),
  });

  it('accepts any object with the port’s methods, as given', () => {
    const jobs = { get() {}, save() {}, delete() {}, list() {} };
    const parsed = parseConfig(ports, { jobs, clock: { now: () => new Date(0) } }, 'example');
    expect(parsed.jobs).toBe(jobs);
  });

  it('names the setting and the port it wants', () => {
    expect(() => parseConfig(ports, { jobs: { get() {} }, clock: {} }, 'example')).toThrow(
      'Invalid example configuration: jobs: must be a JobStateStore; clock: must be an object with a now() method',
    );
  });
});
