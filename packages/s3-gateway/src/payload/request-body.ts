import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { pullReadable } from '@stowage/kit';
import { type Authenticated, headerValue, UNSIGNED_PAYLOAD } from '../auth/sigv4.js';
import { S3Error } from '../http/s3-error.js';
import { AwsChunkedDecoder, ByteReader } from './aws-chunked.js';
import { type ChecksumAlgorithm, createDigester, type Digester, isChecksumAlgorithm } from './checksums.js';

/** A request body on its way to a store, decoded and verified as it streams. */
export interface VerifiedBody {
  body: Readable;
  /** Length of the decoded body when the request declares it. */
  length: number | undefined;
  /** Hex sha256 the client signed (a literal `x-amz-content-sha256`), if any. */
  sha256: string | undefined;
  /** The error this body failed with (a store reports it wrapped, as `Unexpected`). */
  failure(): S3Error | undefined;
  /** What passed, once `body` ended. */
  result(): {
    md5: string | undefined;
    bytes: number;
    checksum: { algorithm: ChecksumAlgorithm; value: string } | undefined;
  };
}

export interface BodySource {
  headers: IncomingHttpHeaders;
  [Symbol.asyncIterator](): AsyncIterator<unknown>;
}

const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

/**
 * Decodes and verifies a request body in every payload mode S3 clients use: a literal sha256,
 * UNSIGNED-PAYLOAD, aws-chunked with chunk signatures, and aws-chunked with (signed or unsigned)
 * trailers; a `x-amz-checksum-*` header or trailer and `Content-MD5` are checked too. The
 * returned stream fails its last read instead of ending when anything does not match, so a
 * store (which commits only on a clean end) keeps nothing.
 * @throws S3Error for a payload mode or header that cannot be honoured (before any byte is read).
 */
export function verifiedBody(
  request: BodySource,
  auth: Authenticated,
  options: { md5?: boolean; maxBytes?: number } = {},
): VerifiedBody {
  const headers = request.headers;
  const payloadHash = auth.payloadHash ?? UNSIGNED_PAYLOAD;
  let chunked: { signed: boolean; trailer: boolean } | undefined;
  let literalSha256: string | undefined;
  if (payloadHash === STREAMING_SIGNED) chunked = { signed: true, trailer: false };
  else if (payloadHash === STREAMING_SIGNED_TRAILER) chunked = { signed: true, trailer: true };
  else if (payloadHash === STREAMING_UNSIGNED_TRAILER) chunked = { signed: false, trailer: true };
  else if (/^[0-9a-f]{64}$/.test(payloadHash)) literalSha256 = payloadHash;
  else if (payloadHash.startsWith('STREAMING-AWS4-ECDSA')) {
    throw new S3Error('NotImplemented', 'Signature Version 4A streaming payloads are not supported.');
  } else if (payloadHash !== UNSIGNED_PAYLOAD) {
    throw new S3Error(
      'InvalidArgument',
      'x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING-… payload type or a hex sha256.',
    );
  }
  if (chunked?.signed && auth.signing === undefined) {
    throw new S3Error('InvalidRequest', 'A signed streaming payload needs a header-signed request.');
  }

  let length: number | undefined;
  if (chunked !== undefined) {
    const decoded = headerValue(headers, 'x-amz-decoded-content-length');
    if (decoded !== undefined) length = parseLength(decoded, 'x-amz-decoded-content-length');
  } else {
    const declared = headerValue(headers, 'content-length');
    if (declared !== undefined) length = parseLength(declared, 'Content-Length');
    else if (headers['transfer-encoding'] === undefined) length = 0;
  }
  if (length !== undefined && options.maxBytes !== undefined && length > options.maxBytes) {
    throw new S3Error('EntityTooLarge');
  }

  // The checksum to verify: from a header now, or from a trailer at the end.
  let checksum:
    | { algorithm: ChecksumAlgorithm; digester: Digester; expected?: string; trailer?: string }
    | undefined;
  const declaredTrailer = headerValue(headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (declaredTrailer !== undefined && declaredTrailer !== '') {
    if (chunked?.trailer !== true) {
      throw new S3Error('InvalidRequest', 'x-amz-trailer needs a STREAMING-…-TRAILER payload.');
    }
    const algorithm = declaredTrailer.replace(/^x-amz-checksum-/, '');
    if (!declaredTrailer.startsWith('x-amz-checksum-') || !isChecksumAlgorithm(algorithm)) {
      throw new S3Error('InvalidRequest', `The trailer ${declaredTrailer.slice(0, 64)} is not supported.`);
    }
    checksum = { algorithm, digester: createDigester(algorithm), trailer: declaredTrailer };
  } else {
    for (const name of Object.keys(headers)) {
      if (
        !name.startsWith('x-amz-checksum-') ||
        name === 'x-amz-checksum-type' ||
        name === 'x-amz-checksum-algorithm'
      )
        continue;
      const algorithm = name.slice('x-amz-checksum-'.length);
      if (!isChecksumAlgorithm(algorithm)) {
        throw new S3Error('InvalidRequest', `The checksum ${name.slice(0, 64)} is not supported.`);
      }
      checksum = { algorithm, digester: createDigester(algorithm), expected: headerValue(headers, name)! };
      break;
    }
  }
  const contentMd5 = headerValue(headers, 'content-md5');
  if (contentMd5 !== undefined && Buffer.from(contentMd5, 'base64').length !== 16) {
    throw new S3Error('InvalidDigest');
  }
  const md5: Hash | undefined =
    options.md5 === true || contentMd5 !== undefined ? createHash('md5') : undefined;
  const sha256: Hash | undefined = literalSha256 !== undefined ? createHash('sha256') : undefined;

  const iterator = request[Symbol.asyncIterator]();
  let decoder: AwsChunkedDecoder | undefined;
  const next: () => Promise<Buffer | null> =
    chunked === undefined
      ? async () => {
          const step = await iterator.next();
          return step.done ? null : (step.value as Buffer);
        }
      : (() => {
          decoder = new AwsChunkedDecoder(new ByteReader(iterator), {
            trailer: chunked.trailer,
            ...(chunked.signed && auth.signing !== undefined ? { signing: auth.signing } : {}),
          });
          const d = decoder;
          return () => d.next();
        })();

  let bytes = 0;
  let md5Hex: string | undefined;
  let checksumValue: string | undefined;
  let failure: S3Error | undefined;
  const fail = (error: unknown): never => {
    failure ??=
      error instanceof S3Error
        ? error
        : new S3Error(
            'IncompleteBody',
            'The request body could not be read to its end.',
            {},
            { cause: error },
          );
    throw failure;
  };

  const finish = async () => {
    if (length !== undefined && bytes !== length) {
      throw new S3Error('IncompleteBody', `The body has ${bytes} bytes; ${length} were declared.`);
    }
    if (sha256 !== undefined && sha256.digest('hex') !== literalSha256)
      throw new S3Error('XAmzContentSHA256Mismatch');
    if (md5 !== undefined) {
      const digest = md5.digest();
      md5Hex = digest.toString('hex');
      if (contentMd5 !== undefined && digest.toString('base64') !== contentMd5.trim())
        throw new S3Error('BadDigest');
    }
    if (checksum !== undefined) {
      checksumValue = await checksum.digester.digestBase64();
      const expected =
        checksum.trailer !== undefined ? decoder?.trailers.get(checksum.trailer) : checksum.expected;
      if (expected === undefined) {
        throw new S3Error('InvalidRequest', `The declared trailer ${checksum.trailer} was not sent.`);
      }
      if (expected.trim() !== checksumValue) {
        throw new S3Error(
          'BadDigest',
          `The ${checksum.algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        );
      }
    }
  };

  const body = pullReadable(
    async () => {
      try {
        const piece = await next();
        if (piece === null) {
          await finish();
          return null;
        }
        bytes += piece.length;
        if (length !== undefined && bytes > length) {
          throw new S3Error('InvalidRequest', `The body is longer than the ${length} bytes declared.`);
        }
        if (options.maxBytes !== undefined && bytes > options.maxBytes) throw new S3Error('EntityTooLarge');
        md5?.update(piece);
        sha256?.update(piece);
        checksum?.digester.update(piece);
        return piece;
      } catch (error) {
        return fail(error);
      }
    },
    () => {},
  );
  return {
    body,
    length,
    sha256: literalSha256,
    failure: () => failure,
    result: () => ({
      md5: md5Hex,
      bytes,
      checksum:
        checksum === undefined || checksumValue === undefined
          ? undefined
          : { algorithm: checksum.algorithm, value: checksumValue },
    }),
  };
}

/** Reads a small body (an XML document) whole, verified like any other. */
export async function readSmallBody(body: VerifiedBody, maxBytes: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of body.body) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw new S3Error('MalformedXML', 'The request document is too large.');
      parts.push(chunk as Buffer);
    }
  } catch (error) {
    throw body.failure() ?? error;
  }
  return Buffer.concat(parts);
}

function parseLength(value: string, name: string): number {
  if (!/^\d{1,16}$/.test(value.trim()))
    throw new S3Error('InvalidArgument', `${name} is not a valid length.`);
  const n = Number(value.trim());
  if (!Number.isSafeInteger(n)) throw new S3Error('InvalidArgument', `${name} is not a valid length.`);
  return n;
}
