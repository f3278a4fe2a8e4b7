import {
  type Body,
  type Capabilities,
  type GetOptions,
  type GetResult,
  type ListEntry,
  type ObjectInfo,
  type PutOptions,
  readBytes,
  StorageError,
  toReadable,
} from '@stowage/core';
import { md5Hex } from '../body/hashing.js';
import { defineCapabilities } from '../capabilities/define-capabilities.js';
import { entriesFromSorted } from '../list/page-from-sorted.js';
import { resolveRange } from '../options/validate-options.js';
import {
  type CheckedCopyOptions,
  CheckedObjectStore,
  type CheckedPutOptions,
  type ListQuery,
} from './checked-object-store.js';

/**
 * The smallest adapter: objects in a Map, and a record of what reached its hooks, so the kit's
 * tests see what the layer let through (and the object server has something to serve).
 */
export class RecordingStore extends CheckedObjectStore {
  readonly name = 'recording';
  readonly capabilities: Capabilities;
  readonly calls: Array<{ hook: string; args: unknown[] }> = [];
  readonly objects = new Map<string, { info: ObjectInfo; bytes: Buffer }>();
  listing: ListEntry[] | undefined;
  /** lastModified of the next write. */
  now = new Date('2026-01-02T03:04:05Z');
  /** What `listingHint()` returns. */
  hint: string | undefined;

  constructor(capabilities: Parameters<typeof defineCapabilities>[0] = {}) {
    super();
    this.capabilities = defineCapabilities(capabilities);
  }

  protected async putObject(key: string, body: Body, options: CheckedPutOptions): Promise<ObjectInfo> {
    this.calls.push({ hook: 'put', args: [key, options] });
    const bytes = await readBytes(toReadable(body));
    const info: ObjectInfo = {
      key,
      size: bytes.length,
      etag: `"${md5Hex(bytes)}"`,
      lastModified: this.now,
      contentType: options.contentType,
      metadata: options.metadata,
      visibility: options.visibility,
    };
    this.objects.set(key, { info, bytes });
    return info;
  }
  protected async getObject(key: string, options: GetOptions): Promise<GetResult> {
    this.calls.push({ hook: 'get', args: [key, options] });
    const found = this.objects.get(key);
    if (found === undefined) throw new StorageError('NotFound', 'no such object');
    if (options.ifMatch !== undefined && options.ifMatch !== found.info.etag) {
      throw new StorageError('PreconditionFailed', 'etag differs');
    }
    if (options.range === undefined) return { info: found.info, body: toReadable(found.bytes) };
    const range = resolveRange(options.range, found.bytes.length);
    return { info: found.info, body: toReadable(found.bytes.subarray(range.start, range.end + 1)), range };
  }
  protected async headObject(key: string): Promise<ObjectInfo> {
    this.calls.push({ hook: 'head', args: [key] });
    if (key === 'plain-failure') throw new Error('a plain Error from the backend');
    const found = this.objects.get(key);
    if (found === undefined) throw new StorageError('NotFound', 'no such object');
    return found.info;
  }
  protected async deleteObject(key: string): Promise<void> {
    this.calls.push({ hook: 'delete', args: [key] });
    this.objects.delete(key);
  }
  protected async copyObject(from: string, to: string, options: CheckedCopyOptions): Promise<ObjectInfo> {
    this.calls.push({ hook: 'copy', args: [from, to, options] });
    const found = this.objects.get(from);
    if (found === undefined) throw new StorageError('NotFound', 'no such object');
    this.objects.set(to, { ...found, info: { ...found.info, key: to } });
    return { ...found.info, key: to };
  }
  /** A store-specific write outside the port, checked the way such methods should be. */
  stamp(key: string, body: Body, options: PutOptions = {}): Promise<CheckedPutOptions> {
    return this.runChecked('stamp', key, options.signal, async (ctx) => {
      const checked = await this.checkPut(key, body, options, ctx);
      this.calls.push({ hook: 'stamp', args: [key, checked] });
      if (key === 'plain-failure') throw new Error('a plain Error from the backend');
      return checked;
    });
  }

  /** A synchronous store-specific method. */
  where(key: string): string {
    return this.runCheckedSync('where', key, () => `recording:${key}`);
  }

  protected override listingHint(): string | undefined {
    return this.hint;
  }

  protected async *listEntries(query: ListQuery): AsyncGenerator<ListEntry> {
    this.calls.push({ hook: 'list', args: [query] });
    if (this.listing !== undefined) {
      yield* this.listing;
      return;
    }
    const sorted = [...this.objects.values()].map((o) => o.info).sort((a, b) => (a.key < b.key ? -1 : 1));
    yield* entriesFromSorted(sorted, query);
  }
}
