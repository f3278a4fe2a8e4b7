import { createHash } from 'node:crypto';
import { type ChunkSigning, EMPTY_SHA256, hmacHex, safeEqual } from '../auth/sigv4.js';
import { S3Error } from '../http/s3-error.js';

const MAX_LINE = 4096;
const MAX_TRAILERS = 16;
const MAX_CHUNK = 5 * 1024 ** 3;

/** Reads lines and byte runs from an async iterator of buffers, holding at most one source chunk. */
export class ByteReader {
  private pending: Buffer = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly source: AsyncIterator<unknown>) {}

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done) {
      this.ended = true;
      return false;
    }
    const chunk = next.value as Buffer;
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    return true;
  }

  /** A line without its CRLF; null at a clean end of input before any byte of it. */
  async readLine(): Promise<string | null> {
    for (;;) {
      const at = this.pending.indexOf('\r\n');
      if (at >= 0) {
        if (at > MAX_LINE) throw new S3Error('InvalidRequest', 'A chunk header or trailer line is too long.');
        const line = this.pending.subarray(0, at).toString('latin1');
        this.pending = this.pending.subarray(at + 2);
        return line;
      }
      if (this.pending.length > MAX_LINE) {
        throw new S3Error('InvalidRequest', 'A chunk header or trailer line is too long.');
      }
      if (!(await this.fill())) {
        if (this.pending.length === 0) return null;
        // A last line without its CRLF.
        const line = this.pending.toString('latin1');
        this.pending = Buffer.alloc(0);
        return line;
      }
    }
  }

  /** Up to `n` (> 0) bytes. @throws IncompleteBody when the input ends first. */
  async read(n: number): Promise<Buffer> {
    if (this.pending.length === 0 && !(await this.fill())) throw incomplete();
    const take = Math.min(n, this.pending.length);
    const out = this.pending.subarray(0, take);
    this.pending = this.pending.subarray(take);
    return out;
  }

  async expectCrlf(): Promise<void> {
    while (this.pending.length < 2) if (!(await this.fill())) throw incomplete();
    if (this.pending[0] !== 0x0d || this.pending[1] !== 0x0a) {
      throw new S3Error('InvalidRequest', 'A chunk does not end with CRLF (the chunk size is wrong).');
    }
    this.pending = this.pending.subarray(2);
  }
}

function incomplete(): S3Error {
  return new S3Error('IncompleteBody', 'The request body ended before the aws-chunked payload did.');
}

export interface ChunkedOptions {
  /** Chunk signatures to verify (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]); none for unsigned. */
  signing?: ChunkSigning;
  /** Trailers are expected (the -TRAILER variants). */
  trailer: boolean;
}

/**
 * Decodes an aws-chunked body, pulling one piece of data at a time: verifies each chunk's
 * signature when signed, collects trailers and checks the trailer signature of the signed
 * trailer variant. `next()` resolves to null only after the whole body checked out; any
 * failure throws an S3Error, so a consumer that commits on a clean end stores nothing.
 */
export class AwsChunkedDecoder {
  private remaining = 0;
  private inChunk = false;
  private done = false;
  private chunkSignature = '';
  private previousSignature: string;
  private chunkHash = createHash('sha256');
  /** Trailer name (lower case) → value, once the body ended. */
  readonly trailers = new Map<string, string>();

  constructor(
    private readonly reader: ByteReader,
    private readonly options: ChunkedOptions,
  ) {
    this.previousSignature = options.signing?.seedSignature ?? '';
  }

  async next(): Promise<Buffer | null> {
    for (;;) {
      if (this.done) return null;
      if (this.inChunk) {
        const piece = await this.reader.read(this.remaining);
        this.remaining -= piece.length;
        if (this.options.signing !== undefined) this.chunkHash.update(piece);
        if (this.remaining === 0) {
          await this.reader.expectCrlf();
          this.verifyChunk(this.chunkHash.digest('hex'));
          this.chunkHash = createHash('sha256');
          this.inChunk = false;
        }
        return piece;
      }
      const line = await this.reader.readLine();
      if (line === null) throw incomplete();
      const { size, signature } = this.parseHeader(line);
      this.chunkSignature = signature;
      if (size > 0) {
        this.remaining = size;
        this.inChunk = true;
        continue;
      }
      this.verifyChunk(EMPTY_SHA256);
      await this.readTrailers();
      this.done = true;
      return null;
    }
  }

  private parseHeader(line: string): { size: number; signature: string } {
    const semi = line.indexOf(';');
    const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
    if (!/^[0-9a-fA-F]{1,16}$/.test(hex)) {
      throw new S3Error('InvalidRequest', 'An aws-chunked chunk header is malformed.');
    }
    const size = Number.parseInt(hex, 16);
    if (!Number.isSafeInteger(size) || size > MAX_CHUNK)
      throw new S3Error('InvalidRequest', 'A chunk is too large.');
    let signature = '';
    if (semi >= 0) {
      for (const ext of line.slice(semi + 1).split(';')) {
        const eq = ext.indexOf('=');
        if (eq >= 0 && ext.slice(0, eq).trim() === 'chunk-signature') signature = ext.slice(eq + 1).trim();
      }
    }
    if (this.options.signing !== undefined && !/^[0-9a-f]{64}$/.test(signature)) {
      throw new S3Error(
        'SignatureDoesNotMatch',
        'A chunk of a signed streaming payload has no chunk-signature.',
      );
    }
    return { size, signature };
  }

  private verifyChunk(dataSha256: string): void {
    const signing = this.options.signing;
    if (signing === undefined) return;
    const stringToSign = [
      'AWS4-HMAC-SHA256-PAYLOAD',
      signing.longDate,
      signing.scope,
      this.previousSignature,
      EMPTY_SHA256,
      dataSha256,
    ].join('\n');
    const expected = hmacHex(signing.signingKey, stringToSign);
    if (!safeEqual(expected, this.chunkSignature)) {
      throw new S3Error(
        'SignatureDoesNotMatch',
        'A chunk signature of the streaming payload does not match.',
      );
    }
    this.previousSignature = expected;
  }

  private async readTrailers(): Promise<void> {
    let canonical = '';
    let trailerSignature: string | undefined;
    for (let count = 0; ; count++) {
      const line = await this.reader.readLine();
      if (line === null || line === '') break;
      if (count >= MAX_TRAILERS) throw new S3Error('InvalidRequest', 'Too many trailers.');
      if (!this.options.trailer) throw new S3Error('InvalidRequest', 'Trailers sent without x-amz-trailer.');
      const colon = line.indexOf(':');
      if (colon <= 0) throw new S3Error('InvalidRequest', 'A trailer line is malformed.');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'x-amz-trailer-signature') {
        trailerSignature = value;
        continue;
      }
      this.trailers.set(name, value);
      canonical += `${name}:${value}\n`;
    }
    const signing = this.options.signing;
    if (signing === undefined || !this.options.trailer) return;
    if (trailerSignature === undefined) {
      throw new S3Error('SignatureDoesNotMatch', 'The signed trailer has no x-amz-trailer-signature.');
    }
    const stringToSign = [
      'AWS4-HMAC-SHA256-TRAILER',
      signing.longDate,
      signing.scope,
      this.previousSignature,
      createHash('sha256').update(canonical).digest('hex'),
    ].join('\n');
    if (!safeEqual(hmacHex(signing.signingKey, stringToSign), trailerSignature)) {
      throw new S3Error('SignatureDoesNotMatch', 'The trailer signature does not match.');
    }
  }
}
