import type { Readable } from 'node:stream';
import { abortedError } from '../errors/aborted-error.js';
import { StorageError } from '../errors/storage-error.js';
import type { Body, GetOptions, GetResult } from '../model/object-info.js';
import type { ObjectStore } from '../ports/object-store.js';
import { toBuffer, toReadable } from './to-readable.js';

export interface ReadBytesOptions {
  /** Refuse bodies larger than this with `PayloadTooLarge` (the rest is not read). */
  maxBytes?: number;
  signal?: AbortSignal;
}

type Source = Body | GetResult | Readable;

function sourceStream(source: Source): Body {
  if (typeof source === 'object' && source !== null && 'body' in source && 'info' in source)
    return source.body;
  return source as Body;
}

/**
 * Collects a body (or a `get` result) into one Buffer.
 * @throws PayloadTooLarge past `maxBytes`; the stream is destroyed.
 * @throws Aborted when `signal` aborts.
 */
export async function readBytes(source: Source, options: ReadBytesOptions = {}): Promise<Buffer> {
  const body = sourceStream(source);
  if (typeof body === 'string' || body instanceof Uint8Array) {
    const buf = toBuffer(body);
    if (options.maxBytes !== undefined && buf.length > options.maxBytes) {
      throw new StorageError(
        'PayloadTooLarge',
        `Body is ${buf.length} bytes; the limit is ${options.maxBytes}`,
      );
    }
    return buf;
  }
  const stream = toReadable(body);
  const chunks: Buffer[] = [];
  let total = 0;
  const onAbort = () => stream.destroy(abortedError(options.signal));
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      total += buf.length;
      if (options.maxBytes !== undefined && total > options.maxBytes) {
        stream.destroy();
        throw new StorageError(
          'PayloadTooLarge',
          `Body exceeds ${options.maxBytes} bytes; stream it instead of reading it into memory`,
        );
      }
      chunks.push(buf);
    }
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
  return Buffer.concat(chunks, total);
}

export async function readText(source: Source, options: ReadBytesOptions = {}): Promise<string> {
  return (await readBytes(source, options)).toString('utf8');
}

/** @throws InvalidInput when the body is not valid JSON. */
export async function readJson<T = unknown>(source: Source, options: ReadBytesOptions = {}): Promise<T> {
  const text = await readText(source, options);
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new StorageError('InvalidInput', `Body is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/**
 * The whole object as bytes, for callers who want bytes rather than a stream: the body is
 * always read to its end or destroyed, so no socket or file is left held. Objects larger
 * than `maxBytes` fail with `PayloadTooLarge` (stream those instead).
 */
export async function getBytes(
  store: ObjectStore,
  key: string,
  options: GetOptions & { maxBytes?: number } = {},
): Promise<Buffer> {
  const { maxBytes, ...get } = options;
  const result = await store.get(key, get);
  try {
    return await readBytes(result, {
      ...(maxBytes === undefined ? {} : { maxBytes }),
      ...(get.signal === undefined ? {} : { signal: get.signal }),
    });
  } finally {
    if (!result.body.destroyed) result.body.destroy();
  }
}

/** The whole object as UTF-8 text (see `getBytes`). */
export async function getText(
  store: ObjectStore,
  key: string,
  options: GetOptions & { maxBytes?: number } = {},
): Promise<string> {
  return (await getBytes(store, key, options)).toString('utf8');
}
