import {
  type Body,
  type ObjectInfo,
  type Page,
  StorageError,
  type UploadedPart,
  type UploadPartOptions,
  type UploadSession,
  type UploadSessionLimits,
  type UploadSessionOptions,
  type UploadSessions,
} from '@stowage/core';
import type { HybridObjectStore } from './hybrid-object-store.js';
import type { Side } from './routing.js';

/** Configuration of `HybridUploadSessions`. */
export interface HybridUploadSessionsConfig {
  store: HybridObjectStore;
  /** Sessions of the `from` side's store (native multipart, or staged). */
  from: UploadSessions;
  /** Sessions of the `to` side's store. */
  to: UploadSessions;
}

const PREFIX: Record<Side, string> = { from: 'f~', to: 't~' };

/**
 * Resumable uploads through a hybrid store: a session lives on the side its key routes to
 * when it is created (native multipart there, so parts never pass through this process
 * twice), and its completion goes through the hybrid's write protocol (`writeVia`): under the
 * key's lock and one rollout version, the object lands on its side and the other side's copy
 * is removed or recorded stale, exactly as for `put`. Limits are the stricter of the two
 * sides', so a client's parts are valid wherever its key routes.
 *
 * If the key's route changes between creation and completion (a rollout moved it), the
 * completion is refused with `Conflict` and the session stays open: abort it and upload
 * again. Routing a finished upload across sides would mean streaming it through this
 * process; a rollout change during one upload is rare enough not to pay that on every upload.
 */
export class HybridUploadSessions implements UploadSessions {
  readonly limits: UploadSessionLimits;
  private readonly store: HybridObjectStore;
  private readonly sides: Record<Side, UploadSessions>;

  constructor(config: HybridUploadSessionsConfig) {
    this.store = config.store;
    this.sides = { from: config.from, to: config.to };
    const a = config.from.limits;
    const b = config.to.limits;
    this.limits = Object.freeze({
      minPartSize: Math.max(a.minPartSize, b.minPartSize),
      maxPartSize: Math.min(a.maxPartSize, b.maxPartSize),
      maxParts: Math.min(a.maxParts, b.maxParts),
    });
  }

  async create(key: string, options: UploadSessionOptions = {}): Promise<UploadSession> {
    const side = this.store.routeOf(key);
    const session = await this.sides[side].create(key, options);
    return { ...session, id: PREFIX[side] + session.id };
  }

  async get(id: string): Promise<UploadSession | null> {
    const found = this.parse(id);
    if (found === undefined) return null;
    const session = await this.sides[found.side].get(found.inner);
    return session === null ? null : { ...session, id };
  }

  async uploadPart(
    id: string,
    number: number,
    body: Body,
    options: UploadPartOptions = {},
  ): Promise<UploadedPart> {
    const { side, inner } = this.require(id, 'uploadPart');
    if (options.contentLength !== undefined && options.contentLength > this.limits.maxPartSize) {
      throw new StorageError('InvalidInput', `A part is at most ${this.limits.maxPartSize} bytes`, {
        operation: 'uploadPart',
        backend: 'hybrid',
      });
    }
    if (!Number.isInteger(number) || number < 1 || number > this.limits.maxParts) {
      throw new StorageError('InvalidInput', `A part number is 1–${this.limits.maxParts}; got ${number}`, {
        operation: 'uploadPart',
        backend: 'hybrid',
      });
    }
    return this.sides[side].uploadPart(inner, number, body, options);
  }

  listParts(id: string): Promise<UploadedPart[]> {
    const { side, inner } = this.require(id, 'listParts');
    return this.sides[side].listParts(inner);
  }

  async complete(
    id: string,
    options: { parts?: readonly number[]; sha256?: string; ifNoneMatch?: '*'; signal?: AbortSignal } = {},
  ): Promise<ObjectInfo> {
    const { side, inner } = this.require(id, 'completeUpload');
    const sessions = this.sides[side];
    const session = await sessions.get(inner);
    if (session === null) {
      throw new StorageError('NotFound', 'No such upload session (completed, aborted or expired)', {
        operation: 'completeUpload',
        backend: 'hybrid',
      });
    }
    const ctx = { operation: 'completeUpload', key: session.key, backend: 'hybrid' };
    // The stricter side's minimum holds here even where this side would take smaller parts.
    const parts = await sessions.listParts(inner);
    const small = parts.slice(0, -1).find((p) => p.size < this.limits.minPartSize);
    if (small !== undefined) {
      throw new StorageError(
        'InvalidInput',
        `Part ${small.number} is ${small.size} bytes; every part but the last must be at least ${this.limits.minPartSize}`,
        ctx,
      );
    }
    return this.store.writeVia(
      session.key,
      {
        ...(options.ifNoneMatch === undefined ? {} : { ifNoneMatch: options.ifNoneMatch }),
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      },
      (routed, _store, pass) => {
        if (routed !== side) {
          throw new StorageError(
            'Conflict',
            `${JSON.stringify(session.key)} moved to the other side while it was uploading (a rollout change); abort this session and upload again`,
            ctx,
          );
        }
        return sessions.complete(inner, {
          ...(options.parts === undefined ? {} : { parts: options.parts }),
          ...(options.sha256 === undefined ? {} : { sha256: options.sha256 }),
          ...(pass.ifNoneMatch === undefined ? {} : { ifNoneMatch: pass.ifNoneMatch }),
          ...(options.signal === undefined ? {} : { signal: options.signal }),
        });
      },
    );
  }

  async abort(id: string): Promise<void> {
    const found = this.parse(id);
    if (found !== undefined) await this.sides[found.side].abort(found.inner);
  }

  /**
   * Open sessions of both sides, oldest first. The sides' pages are read through and merged
   * by creation time (open sessions are few: they end at completion, abort or expiry).
   * @throws InvalidInput for a malformed cursor.
   */
  async list(options: { cursor?: string; limit?: number } = {}): Promise<Page<UploadSession>> {
    const limit = options.limit ?? 1000;
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const all: UploadSession[] = [];
    for (const side of ['from', 'to'] as const) {
      let cursor: string | undefined;
      do {
        const page = await this.sides[side].list({
          limit: 1000,
          ...(cursor === undefined ? {} : { cursor }),
        });
        all.push(...page.items.map((session) => ({ ...session, id: PREFIX[side] + session.id })));
        cursor = page.cursor;
      } while (cursor !== undefined);
    }
    const order = (s: UploadSession): [number, string] => [s.createdAt.getTime(), s.id];
    all.sort((x, y) => {
      const [a, i] = order(x);
      const [b, j] = order(y);
      return a - b || (i < j ? -1 : i > j ? 1 : 0);
    });
    const start =
      after === undefined
        ? 0
        : all.findIndex(
            (s) =>
              s.createdAt.getTime() > after.at || (s.createdAt.getTime() === after.at && s.id > after.id),
          );
    const items = start < 0 ? [] : all.slice(start, start + limit);
    const last = items.at(-1);
    const more = start >= 0 && start + limit < all.length;
    return more && last !== undefined ? { items, cursor: encodeCursor(last) } : { items };
  }

  async expire(): Promise<number> {
    return (await this.sides.from.expire()) + (await this.sides.to.expire());
  }

  private parse(id: string): { side: Side; inner: string } | undefined {
    if (typeof id !== 'string') return undefined;
    if (id.startsWith(PREFIX.from)) return { side: 'from', inner: id.slice(2) };
    if (id.startsWith(PREFIX.to)) return { side: 'to', inner: id.slice(2) };
    return undefined;
  }

  private require(id: string, operation: string): { side: Side; inner: string } {
    const found = this.parse(id);
    if (found === undefined) {
      throw new StorageError('NotFound', 'No such upload session', { operation, backend: 'hybrid' });
    }
    return found;
  }
}

function encodeCursor(session: UploadSession): string {
  return Buffer.from(JSON.stringify([session.createdAt.getTime(), session.id])).toString('base64url');
}

function decodeCursor(cursor: string): { at: number; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'number' && typeof id === 'string') return { at, id };
  } catch {
    // fall through
  }
  throw new StorageError('InvalidInput', 'Malformed cursor', { operation: 'listUploads', backend: 'hybrid' });
}
