import { type AuditLog, type PresignedRequest, StorageError, TOKENS } from '@stowage/core';
import { inject, injectable } from 'tsyringe';
import type { ObjectStorage } from '../storage/object-storage.js';
import { SERVICE_TOKENS } from '../tokens.js';

export interface AccessUrlsConfig {
  /** Longest expiry granted, in seconds; default 3600 (the port allows up to 7 days). */
  maxExpirySeconds?: number;
  /** Expiry when none is asked for; default 900 s. */
  defaultExpirySeconds?: number;
  /** Largest upload a presigned PUT allows when none is asked for; default 100 MiB. */
  defaultMaxUploadBytes?: number;
  /** Largest upload a presigned PUT may ever allow; default 5 GiB. */
  maxUploadBytes?: number;
}

/** Presigned GET and PUT URLs with bounded expiry and a size cap on uploads; every one audited. */
@injectable()
export class AccessUrls {
  private readonly maxExpiry: number;
  private readonly defaultExpiry: number;
  private readonly defaultMaxUpload: number;
  private readonly maxUpload: number;

  constructor(
    @inject(SERVICE_TOKENS.ObjectStorage) private readonly storage: ObjectStorage,
    @inject(TOKENS.AuditLog) private readonly audit: AuditLog,
    @inject(SERVICE_TOKENS.AccessUrlsConfig) config: AccessUrlsConfig,
  ) {
    this.maxExpiry = config.maxExpirySeconds ?? 3600;
    this.defaultExpiry = Math.min(config.defaultExpirySeconds ?? 900, this.maxExpiry);
    this.maxUpload = config.maxUploadBytes ?? 5 * 1024 ** 3;
    this.defaultMaxUpload = Math.min(config.defaultMaxUploadBytes ?? 100 * 1024 ** 2, this.maxUpload);
  }

  /** @throws InvalidInput for an expiry beyond `maxExpirySeconds`. */
  async download(
    key: string,
    options: { expiresIn?: number; actor?: string; filename?: string } = {},
  ): Promise<{ url: string; expiresAt: Date }> {
    const expiresIn = this.expiry(options.expiresIn, key, 'presignGet');
    const url = await this.storage.presignGet(key, {
      expiresIn,
      ...(options.filename === undefined ? {} : { responseContentDisposition: attachment(options.filename) }),
    });
    await this.record('presignGet', key, expiresIn, options.actor);
    return { url, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  /** @throws InvalidInput for an expiry beyond `maxExpirySeconds` or a size cap beyond `maxUploadBytes`. */
  async upload(
    key: string,
    options: { expiresIn?: number; contentType?: string; maxSize?: number; actor?: string } = {},
  ): Promise<PresignedRequest & { expiresAt: Date; maxSize: number }> {
    const expiresIn = this.expiry(options.expiresIn, key, 'presignPut');
    const maxSize = options.maxSize ?? this.defaultMaxUpload;
    if (!Number.isSafeInteger(maxSize) || maxSize < 0 || maxSize > this.maxUpload) {
      throw new StorageError(
        'InvalidInput',
        `maxSize must be an integer from 0 to ${this.maxUpload}; got ${maxSize}`,
        {
          operation: 'presignPut',
          key,
        },
      );
    }
    const request = await this.storage.presignPut(key, {
      expiresIn,
      maxSize,
      ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
    });
    await this.record('presignPut', key, expiresIn, options.actor, { maxSize });
    return { ...request, expiresAt: new Date(Date.now() + expiresIn * 1000), maxSize };
  }

  private expiry(asked: number | undefined, key: string, operation: string): number {
    const expiresIn = asked ?? this.defaultExpiry;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > this.maxExpiry) {
      throw new StorageError(
        'InvalidInput',
        `expiresIn must be a whole number of seconds from 1 to ${this.maxExpiry}; got ${expiresIn}`,
        {
          operation,
          key,
        },
      );
    }
    return expiresIn;
  }

  private async record(
    method: string,
    key: string,
    expiresIn: number,
    actor: string | undefined,
    extra: Record<string, unknown> = {},
  ) {
    await this.audit.append({
      action: 'presign',
      key,
      at: new Date(),
      ...(actor === undefined ? {} : { actor }),
      details: { method, expiresIn, ...extra },
    });
  }
}

/** `attachment; filename="…"` with an RFC 8187 `filename*` for names beyond ASCII. */
function attachment(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
