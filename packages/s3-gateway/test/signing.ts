import { createHash, createHmac } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';

/** SHA-256 for smithy's signer (node:crypto). */
export class Sha256 {
  private readonly h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface RawRequest {
  method: string;
  /** As sent (percent-encoded), with the query. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Signs a request (Authorization header) with smithy's SigV4 signer; `payloadHash` is the
 * x-amz-content-sha256 value (a hex digest, UNSIGNED-PAYLOAD or a STREAMING-… type).
 */
export async function signRequest(
  creds: Credentials,
  host: string,
  input: { method: string; path: string; headers?: Record<string, string>; payloadHash: string; date?: Date },
): Promise<{ headers: Record<string, string>; signature: string; longDate: string }> {
  const q = input.path.indexOf('?');
  const path = q < 0 ? input.path : input.path.slice(0, q);
  const query: Record<string, string | string[]> = {};
  if (q >= 0) {
    for (const pair of input.path.slice(q + 1).split('&')) {
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
      const prev = query[name];
      query[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
  }
  const signer = new SignatureV4({
    credentials: creds,
    region: 'us-east-1',
    service: 's3',
    sha256: Sha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: input.method,
      protocol: 'http:',
      hostname: host,
      path,
      query,
      headers: { host, 'x-amz-content-sha256': input.payloadHash, ...input.headers },
    },
    { signingDate: input.date ?? new Date() },
  );
  const headers = Object.fromEntries(
    Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  const signature = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
  return { headers, signature, longDate: headers['x-amz-date']! };
}

export function signingKey(secret: string, shortDate: string): Buffer {
  let key: Buffer = createHmac('sha256', `AWS4${secret}`).update(shortDate).digest();
  for (const part of ['us-east-1', 's3', 'aws4_request'])
    key = createHmac('sha256', key).update(part).digest();
  return key;
}

const EMPTY = sha256Hex('');

/**
 * An aws-chunked body: signed chunks (when `signing` is given) and optional trailers, signed
 * with the trailer signature in the signed-trailer variant.
 */
export function awsChunked(
  chunks: readonly Buffer[],
  options: {
    signing?: { key: Buffer; longDate: string; seed: string };
    trailers?: Record<string, string>;
    /** Corrupts the signature of chunk n (0-based; chunks.length is the final empty chunk). */
    tamperChunkSignature?: number;
    tamperTrailerSignature?: boolean;
  } = {},
): Buffer {
  const scope =
    options.signing === undefined ? '' : `${options.signing.longDate.slice(0, 8)}/us-east-1/s3/aws4_request`;
  let previous = options.signing?.seed ?? '';
  const parts: Buffer[] = [];
  const all = [...chunks, Buffer.alloc(0)];
  all.forEach((data, i) => {
    let ext = '';
    if (options.signing !== undefined) {
      const toSign = [
        'AWS4-HMAC-SHA256-PAYLOAD',
        options.signing.longDate,
        scope,
        previous,
        EMPTY,
        sha256Hex(data),
      ].join('\n');
      let sig = createHmac('sha256', options.signing.key).update(toSign).digest('hex');
      previous = sig;
      if (options.tamperChunkSignature === i) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      ext = `;chunk-signature=${sig}`;
    }
    parts.push(Buffer.from(`${data.length.toString(16)}${ext}\r\n`));
    if (data.length > 0) parts.push(data, Buffer.from('\r\n'));
  });
  if (options.trailers !== undefined) {
    let canonical = '';
    for (const [name, value] of Object.entries(options.trailers)) {
      parts.push(Buffer.from(`${name}:${value}\r\n`));
      canonical += `${name}:${value}\n`;
    }
    if (options.signing !== undefined) {
      const toSign = [
        'AWS4-HMAC-SHA256-TRAILER',
        options.signing.longDate,
        scope,
        previous,
        sha256Hex(canonical),
      ].join('\n');
      let sig = createHmac('sha256', options.signing.key).update(toSign).digest('hex');
      if (options.tamperTrailerSignature) sig = sig.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      parts.push(Buffer.from(`x-amz-trailer-signature:${sig}\r\n`));
    }
  }
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends a request over a real socket. `cutAfter` bytes of the body are written and then the
 * socket is destroyed (a client that dies mid-upload); the answer is then null.
 */
export function send(
  url: string,
  req: RawRequest,
  options: { cutAfter?: number } = {},
): Promise<Answer | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      { hostname, port, method: req.method, path: req.path, headers: req.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    r.on('error', (error) => (options.cutAfter !== undefined ? resolve(null) : reject(error)));
    if (options.cutAfter !== undefined && req.body !== undefined) {
      r.write(req.body.subarray(0, options.cutAfter), () => {
        setTimeout(() => {
          r.destroy();
          resolve(null);
        }, 50);
      });
      return;
    }
    r.end(req.body);
  });
}

export function errorCode(answer: Answer | null): string | undefined {
  return answer === null ? undefined : /<Code>([^<]+)<\/Code>/.exec(answer.body)?.[1];
}
