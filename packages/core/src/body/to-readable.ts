import { Readable } from 'node:stream';
import type { ReadableStream as NodeWebReadableStream } from 'node:stream/web';
import { StorageError } from '../errors/storage-error.js';
import type { Body } from '../model/object-info.js';

function isWebStream(body: unknown): body is ReadableStream<Uint8Array> {
  return (
    typeof body === 'object' && body !== null && typeof (body as ReadableStream).getReader === 'function'
  );
}

function isNodeStream(body: unknown): body is NodeJS.ReadableStream {
  return (
    typeof body === 'object' && body !== null && typeof (body as NodeJS.ReadableStream).pipe === 'function'
  );
}

/** The byte length of a body when it is known without reading it. */
export function knownLength(body: Body): number | undefined {
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.byteLength;
  return undefined;
}

/** True for bodies held in memory (bytes or text). */
export function isInMemoryBody(body: Body): body is Uint8Array | string {
  return typeof body === 'string' || body instanceof Uint8Array;
}

/** Bytes or text as a Buffer without copying bytes. */
export function toBuffer(body: Uint8Array | string): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/**
 * Any body as a Node Readable of Buffers.
 * @throws InvalidInput for something that is not a body.
 */
export function toReadable(body: Body): Readable {
  if (isInMemoryBody(body)) return Readable.from([toBuffer(body)], { objectMode: false });
  if (body instanceof Readable) return body;
  if (isWebStream(body)) return Readable.fromWeb(body as unknown as NodeWebReadableStream<Uint8Array>);
  if (isNodeStream(body)) return new Readable({ read() {} }).wrap(body);
  throw new StorageError(
    'InvalidInput',
    `Unsupported body type ${Object.prototype.toString.call(body)}: use Uint8Array, string or a stream`,
  );
}

/** Whether a value can be used as a body. */
export function isBody(value: unknown): value is Body {
  return (
    typeof value === 'string' || value instanceof Uint8Array || isWebStream(value) || isNodeStream(value)
  );
}
