import { isStorageError, type ObjectInfo, StorageError } from '@stowage/core';
import { inject, injectable } from 'tsyringe';
import type { z } from 'zod';
import type { KeyGenerator } from '../keys/key-generator.js';
import type { ObjectStorage } from '../storage/object-storage.js';
import { SERVICE_TOKENS } from '../tokens.js';

/** A schema a document is checked against: zod (classic or mini) or anything with `safeParse`. */
export interface DocumentSchema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly z.core.$ZodIssue[] } };
}

/**
 * Typed JSON documents. Reads come from the store, never the CDN (JSON served stale through
 * a CDN was a recurring bug in the seed applications); keys get the environment's suffix
 * (`config/flags.json` → `config/flags-dev.json` in development) so environments sharing a
 * bucket never overwrite each other's documents.
 */
@injectable()
export class JsonDocuments {
  constructor(
    @inject(SERVICE_TOKENS.ObjectStorage) private readonly storage: ObjectStorage,
    @inject(SERVICE_TOKENS.KeyGenerator) private readonly keys: KeyGenerator,
  ) {}

  /** The key a document name is stored under in this environment. */
  keyOf(name: string): string {
    return this.keys.withEnvironmentSuffix(name);
  }

  /**
   * The document, checked against `schema`; null when it does not exist.
   * @throws InvalidInput when the content is not JSON, or does not match the schema (naming the path that failed).
   */
  async read<T>(name: string, schema: DocumentSchema<T>): Promise<T | null> {
    const found = await this.readVersioned(name, schema);
    return found === null ? null : found.value;
  }

  /**
   * Writes `value` (checked against `schema` first: nothing invalid is stored), as
   * `application/json`, private unless asked otherwise.
   */
  async write<T>(
    name: string,
    value: T,
    schema: DocumentSchema<T>,
    options: { visibility?: 'public' | 'private'; ifMatch?: string; ifNoneMatch?: '*' } = {},
  ): Promise<ObjectInfo> {
    const key = this.keyOf(name);
    const data = check(schema, value, key, 'write');
    return this.storage.put(key, JSON.stringify(data), {
      contentType: 'application/json; charset=utf-8',
      category: options.visibility === 'public' ? 'public-data' : 'private-data',
      ...(options.ifMatch === undefined ? {} : { ifMatch: options.ifMatch }),
      ...(options.ifNoneMatch === undefined ? {} : { ifNoneMatch: options.ifNoneMatch }),
    });
  }

  /**
   * Read, change, write back with compare-and-swap (`ifMatch` on the etag read, or create-only
   * when it did not exist); when another writer got there first, read again and retry, so
   * concurrent updates are never lost.
   * @throws Conflict after `attempts` lost races.
   * @throws Unsupported when the store has no conditional writes.
   */
  async update<T>(
    name: string,
    schema: DocumentSchema<T>,
    change: (current: T | null) => T,
    options: { attempts?: number; visibility?: 'public' | 'private' } = {},
  ): Promise<T> {
    const attempts = options.attempts ?? 20;
    const key = this.keyOf(name);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const current = await this.readVersioned(name, schema);
      const next = change(current === null ? null : current.value);
      try {
        await this.write(name, next, schema, {
          ...(options.visibility === undefined ? {} : { visibility: options.visibility }),
          ...(current === null ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }),
        });
        return next;
      } catch (error) {
        if (!isStorageError(error, 'PreconditionFailed') && !isStorageError(error, 'AlreadyExists'))
          throw error;
        // Lost the race: back off a random while (growing), so racing writers spread out.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(100, 2 ** attempt)));
      }
    }
    throw new StorageError('Conflict', `${key} kept changing: ${attempts} updates lost the race`, {
      operation: 'update',
      key,
      retryable: true,
    });
  }

  private async readVersioned<T>(
    name: string,
    schema: DocumentSchema<T>,
  ): Promise<{ value: T; etag: string } | null> {
    const key = this.keyOf(name);
    let text: string;
    let etag: string;
    try {
      const info = await this.storage.head(key);
      etag = info.etag;
      text = await this.storage.getText(key, { ifMatch: etag });
    } catch (error) {
      if (isStorageError(error, 'NotFound')) return null;
      // Changed between head and read: read again from the top.
      if (isStorageError(error, 'PreconditionFailed')) return this.readVersioned(name, schema);
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new StorageError('InvalidInput', `${key} is not JSON: ${(cause as Error).message}`, {
        operation: 'read',
        key,
        cause,
      });
    }
    return { value: check(schema, parsed, key, 'read'), etag };
  }
}

function check<T>(schema: DocumentSchema<T>, value: unknown, key: string, operation: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues
    .map(
      (issue) =>
        `${issue.path.length === 0 ? '(document)' : issue.path.map(String).join('.')}: ${issue.message}`,
    )
    .join('; ');
  throw new StorageError('InvalidInput', `${key} does not match its schema: ${problems}`, { operation, key });
}
