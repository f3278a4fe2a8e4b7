import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { type ObjectSummary, StorageError } from '@stowage/core';
import { quoteEtag } from '@stowage/kit';
import { type ErrorContext, mapS3Error } from '../error-map.js';

/** One ListObjectsV2 request, as the listing algorithms ask for it. */
export interface ListRequest {
  prefix: string;
  delimiter?: '/';
  /** Server-side StartAfter (ignored by the server when `token` is given). */
  startAfter?: string;
  /** The server's continuation token from the previous page. */
  token?: string;
  maxKeys: number;
}

/** One ListObjectsV2 response: objects and folders as the server returned them. */
export interface ListResponse {
  keys: ObjectSummary[];
  folders: string[];
  /** Continuation token; absent on the last page. */
  next?: string;
}

/** The one request a listing algorithm makes, so the algorithms can be tested against a model server. */
export type ListServer = (request: ListRequest) => Promise<ListResponse>;

/** The continuation tokens of one listing: a server that repeats one would make it list forever. */
export class ContinuationTokens {
  readonly #seen = new Set<string>();

  /**
   * The server's next token, to ask with (undefined at the end).
   * @throws Unexpected when the server gave the same token before in this listing.
   */
  next(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    if (this.#seen.has(token)) {
      throw new StorageError('Unexpected', 'The server repeated a listing continuation token');
    }
    this.#seen.add(token);
    return token;
  }

  /** Forgets the tokens (a new listing starts). */
  clear(): void {
    this.#seen.clear();
  }
}

/** ListObjectsV2 on a bucket through the SDK, its failures mapped to StorageErrors. */
export function sdkListServer(
  client: S3Client,
  bucket: string,
  ctx: ErrorContext,
  signal?: AbortSignal,
): ListServer {
  return async (request) => {
    let out: ListObjectsV2CommandOutput;
    try {
      out = await client.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: request.prefix === '' ? undefined : request.prefix,
          Delimiter: request.delimiter,
          MaxKeys: request.maxKeys,
          StartAfter: request.token === undefined ? request.startAfter : undefined,
          ContinuationToken: request.token,
        }),
        { abortSignal: signal },
      );
    } catch (error) {
      throw mapS3Error(error, ctx, signal);
    }
    const response: ListResponse = {
      keys: (out.Contents ?? []).map((o) => ({
        key: o.Key ?? '',
        size: o.Size ?? 0,
        etag: quoteEtag(o.ETag ?? ''),
        lastModified: o.LastModified ?? new Date(0),
      })),
      folders: (out.CommonPrefixes ?? []).map((p) => p.Prefix ?? '').filter((p) => p !== ''),
    };
    if (out.IsTruncated === true && out.NextContinuationToken !== undefined) {
      response.next = out.NextContinuationToken;
    }
    return response;
  };
}
