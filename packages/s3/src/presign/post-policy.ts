import { createHmac } from 'node:crypto';

export interface PostPolicyCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface PostPolicyRequest {
  /** The bucket's URL, the form's action (`https://bucket.s3.region.amazonaws.com/`). */
  url: string;
  bucket: string;
  key: string;
  region: string;
  credentials: PostPolicyCredentials;
  /** The Content-Type the upload is stored with: a field the policy pins. */
  contentType: string;
  /** Largest body accepted, in bytes (`content-length-range`). */
  maxSize: number;
  signingDate: Date;
  expiresIn: number;
}

/**
 * An S3 browser-form POST upload (SigV4 POST policy): the form fields and the signed policy,
 * which pins the bucket, key and content type and limits the body to `0..maxSize` bytes.
 * Signed here rather than through `@aws-sdk/s3-presigned-post`: that package pins one exact
 * `@aws-sdk/client-s3` version (an app on another one would install a second SDK) and signs
 * with the system time, not the store's Clock.
 */
export function signPostPolicy(request: PostPolicyRequest): { url: string; fields: Record<string, string> } {
  const amzDate = request.signingDate.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${request.region}/s3/aws4_request`;
  const fields: Record<string, string> = {
    key: request.key,
    'Content-Type': request.contentType,
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `${request.credentials.accessKeyId}/${scope}`,
    'X-Amz-Date': amzDate,
  };
  if (request.credentials.sessionToken !== undefined) {
    fields['X-Amz-Security-Token'] = request.credentials.sessionToken;
  }
  const expiration = new Date(request.signingDate.getTime() + request.expiresIn * 1000);
  const policy = {
    expiration: expiration.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    conditions: [
      { bucket: request.bucket },
      ['content-length-range', 0, request.maxSize],
      ...Object.entries(fields).map(([name, value]) => ({ [name]: value })),
    ],
  };
  const encoded = Buffer.from(JSON.stringify(policy), 'utf8').toString('base64');
  let signingKey: Buffer = hmac(`AWS4${request.credentials.secretAccessKey}`, day);
  for (const part of [request.region, 's3', 'aws4_request']) signingKey = hmac(signingKey, part);
  fields.Policy = encoded;
  fields['X-Amz-Signature'] = createHmac('sha256', signingKey).update(encoded).digest('hex');
  return { url: request.url, fields };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data, 'utf8').digest();
}
