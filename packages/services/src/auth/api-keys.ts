import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Clock, type JobStateStore, type Page, StorageError, TOKENS } from '@stowage/core';
import type { Secret } from '@stowage/kit';
import { inject, injectable } from 'tsyringe';
import { SERVICE_TOKENS } from '../tokens.js';

/** What a key may do: read objects, write them, or administer (keys, buckets, rollouts, hard deletes). */
export type ApiScope = 'read' | 'write' | 'admin';
export const API_SCOPES: readonly ApiScope[] = ['read', 'write', 'admin'];

export interface ApiKeysConfig {
  /**
   * The server secret every key's secret is derived from (HMAC-SHA256 of the key id). Every
   * instance of a fleet needs the same one; replacing it invalidates every key.
   */
  secret: Secret;
}

/** A key as listed: never its secret. */
export interface ApiKey {
  /** Public: the access key id (S3 gateway) and the first half of a bearer token. */
  id: string;
  name: string;
  scopes: ApiScope[];
  createdAt: Date;
  revokedAt?: Date;
}

/** A key just created: the only time its secret is shown. */
export interface CreatedApiKey extends ApiKey {
  secret: string;
  /** `<id>.<secret>`: what a client sends as `Authorization: Bearer …` or `X-Api-Key`. */
  token: string;
}

interface KeyRecord {
  name: string;
  scopes: ApiScope[];
  createdAt: string;
  revokedAt?: string;
}

const KIND = 'api-key';
const ID_PATTERN = /^sk_[0-9a-f]{20}$/;

/**
 * API keys with scopes. Nothing secret is stored: a key's secret is HMAC(server secret, id),
 * so the database holds only id, name, scopes and revocation (a stolen database yields no
 * usable key), verification is a constant-time compare, and the S3 gateway can recompute a
 * key's secret to check SigV4 signatures — which a hash-only store could not. Records live in
 * the job state store, so every instance on one database sees a key created or revoked on another.
 */
@injectable()
export class ApiKeys {
  private readonly secret: Secret;

  constructor(
    @inject(TOKENS.JobStateStore) private readonly jobs: JobStateStore,
    @inject(TOKENS.Clock) private readonly clock: Clock,
    @inject(SERVICE_TOKENS.ApiKeysConfig) config: ApiKeysConfig,
  ) {
    this.secret = config.secret;
  }

  /** @throws InvalidInput for an empty name or an unknown scope. */
  async create(name: string, scopes: readonly ApiScope[]): Promise<CreatedApiKey> {
    const ctx = { operation: 'createApiKey', backend: 'api-keys' };
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
      throw new StorageError('InvalidInput', 'A key needs a name of 1–200 characters', ctx);
    }
    const unknown = scopes.filter((s) => !API_SCOPES.includes(s));
    if (scopes.length === 0 || unknown.length > 0) {
      throw new StorageError('InvalidInput', `Scopes are some of ${API_SCOPES.join(', ')}`, ctx);
    }
    // 80 random bits, lower-case hex: valid as an S3 access key id and in a URL as is.
    const id = `sk_${randomBytes(10).toString('hex')}`;
    const record: KeyRecord = {
      name: name.trim(),
      scopes: [...new Set(scopes)],
      createdAt: this.clock.now().toISOString(),
    };
    await this.jobs.save(KIND, id, record, { expectedVersion: 0 });
    const secret = this.secretOf(id);
    return { ...toKey(id, record), secret, token: `${id}.${secret}` };
  }

  /** The key a token (`<id>.<secret>`) belongs to, if valid and not revoked; null otherwise. */
  async authenticate(token: string): Promise<ApiKey | null> {
    if (typeof token !== 'string') return null;
    const dot = token.indexOf('.');
    if (dot < 0) return null;
    const id = token.slice(0, dot);
    if (!this.matches(id, token.slice(dot + 1))) return null;
    return this.find(id);
  }

  /** A live key by id (for SigV4, whose secret the caller derives with `secretOf`); null when unknown or revoked. */
  async find(id: string): Promise<ApiKey | null> {
    if (!ID_PATTERN.test(id)) return null;
    const job = await this.jobs.get<KeyRecord>(KIND, id);
    if (job === null || job.data.revokedAt !== undefined) return null;
    return toKey(id, job.data);
  }

  /** The secret of key `id`, recomputed (the S3 gateway signs with it). */
  secretOf(id: string): string {
    return createHmac('sha256', this.secret.reveal()).update(`stowage-api-key:${id}`).digest('base64url');
  }

  /** Revokes a key; unknown keys succeed. */
  async revoke(id: string): Promise<void> {
    if (!ID_PATTERN.test(id)) return;
    for (let attempt = 0; attempt < 10; attempt++) {
      const job = await this.jobs.get<KeyRecord>(KIND, id);
      if (job === null || job.data.revokedAt !== undefined) return;
      try {
        await this.jobs.save(
          KIND,
          id,
          { ...job.data, revokedAt: this.clock.now().toISOString() },
          {
            expectedVersion: job.version,
          },
        );
        return;
      } catch (error) {
        if (!(error instanceof StorageError) || error.kind !== 'Conflict') throw error;
      }
    }
  }

  /** Every key, revoked ones included, oldest id first. */
  async list(options: { cursor?: string; limit?: number } = {}): Promise<Page<ApiKey>> {
    const page = await this.jobs.list<KeyRecord>(KIND, options);
    return {
      items: page.items.map((job) => toKey(job.id, job.data)),
      ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
    };
  }

  private matches(id: string, secret: string): boolean {
    if (!ID_PATTERN.test(id)) return false;
    const expected = Buffer.from(this.secretOf(id));
    const given = Buffer.from(secret);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

function toKey(id: string, record: KeyRecord): ApiKey {
  return {
    id,
    name: record.name,
    scopes: [...record.scopes],
    createdAt: new Date(record.createdAt),
    ...(record.revokedAt === undefined ? {} : { revokedAt: new Date(record.revokedAt) }),
  };
}
