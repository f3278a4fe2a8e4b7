import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { staticCredentials } from '../auth/credentials.js';
import { verifyRequest } from '../auth/sigv4.js';
import { S3Error } from '../http/s3-error.js';
import { parseS3Target } from '../http/s3-request.js';
import { verifiedBody } from './request-body.js';

// The worked example of AWS's "Signature Calculations for the Authorization Header: Transferring
// Payload in Multiple Chunks" (PUT of 66,560 bytes of "a" in a 64 KiB and a 1 KiB chunk).
const AKID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
const SEED = '4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9';
const CHUNK_SIGNATURES = [
  'ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648',
  '0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497',
  'b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9',
];
const HEADERS = {
  host: 's3.amazonaws.com',
  'x-amz-date': '20130524T000000Z',
  'x-amz-storage-class': 'REDUCED_REDUNDANCY',
  authorization: `AWS4-HMAC-SHA256 Credential=${AKID}/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${SEED}`,
  'x-amz-content-sha256': 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD',
  'content-encoding': 'aws-chunked',
  'x-amz-decoded-content-length': '66560',
  'content-length': '66824',
};

function body(
  signatures = CHUNK_SIGNATURES,
  data = [Buffer.alloc(65536, 'a'), Buffer.alloc(1024, 'a')],
): Buffer {
  const parts: Buffer[] = [];
  data.forEach((d, i) => {
    parts.push(
      Buffer.from(`${d.length.toString(16)};chunk-signature=${signatures[i]}\r\n`),
      d,
      Buffer.from('\r\n'),
    );
  });
  parts.push(Buffer.from(`0;chunk-signature=${signatures[2]}\r\n\r\n`));
  return Buffer.concat(parts);
}

async function verify(headers: Record<string, string>, raw: Buffer) {
  const target = parseS3Target('/examplebucket/chunkObject.txt', headers.host);
  const auth = await verifyRequest(
    { method: 'PUT', headers, target },
    {
      credentials: staticCredentials({ [AKID]: { secretAccessKey: SECRET } }),
      now: new Date('2013-05-24T00:01:00Z'),
      maxSkewMs: 15 * 60_000,
    },
  );
  const source = Object.assign(
    Readable.from([raw.subarray(0, 1000), raw.subarray(1000, 70_000), raw.subarray(70_000)]),
    {
      headers,
    },
  );
  const verified = verifiedBody(source, auth);
  const out: Buffer[] = [];
  for await (const chunk of verified.body) out.push(chunk as Buffer);
  return Buffer.concat(out);
}

describe('aws-chunked with chunk signatures (AWS worked example)', () => {
  it('verifies the seed signature and every chunk signature of the example', async () => {
    const raw = body();
    expect(raw.length).toBe(66824);
    const decoded = await verify(HEADERS, raw);
    expect(decoded.equals(Buffer.alloc(66560, 'a'))).toBe(true);
  });

  it('refuses a changed byte in a chunk, a changed chunk signature and a reordered chain', async () => {
    const changed = body();
    changed[200] = 0x62; // 'b'
    await expect(verify(HEADERS, changed)).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    const forged = [...CHUNK_SIGNATURES];
    forged[1] = forged[1]!.replace(/^0/, '1');
    await expect(verify(HEADERS, body(forged))).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
    const swapped = body(CHUNK_SIGNATURES, [Buffer.alloc(1024, 'a'), Buffer.alloc(65536, 'a')]);
    await expect(verify(HEADERS, swapped)).rejects.toBeInstanceOf(S3Error);
  });

  it('refuses a seed request whose signature does not match', async () => {
    const headers = { ...HEADERS, 'x-amz-storage-class': 'STANDARD' };
    await expect(verify(headers, body())).rejects.toMatchObject({ code: 'SignatureDoesNotMatch' });
  });

  it('refuses a body that ends inside a chunk, or without the final chunk', async () => {
    const raw = body();
    await expect(verify(HEADERS, raw.subarray(0, 40_000))).rejects.toMatchObject({ code: 'IncompleteBody' });
    const noFinal = raw.subarray(0, raw.length - `0;chunk-signature=${CHUNK_SIGNATURES[2]}\r\n\r\n`.length);
    await expect(verify(HEADERS, noFinal)).rejects.toMatchObject({ code: 'IncompleteBody' });
  });

  it('refuses a decoded length other than the one declared', async () => {
    await expect(
      verify({ ...HEADERS, 'x-amz-decoded-content-length': '66561' }, body()),
    ).rejects.toBeInstanceOf(S3Error);
  });
});
