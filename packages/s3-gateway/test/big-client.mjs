// A separate process that streams a large object through the gateway, so the gateway's process
// measures only its own memory. Usage: node big-client.mjs put|get ENDPOINT BUCKET KEY BYTES
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

const [op, endpoint, bucket, key, bytesText] = process.argv.slice(2);
const bytes = Number(bytesText);
const client = new S3Client({
  endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID,
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY,
  },
});
const started = Date.now();
if (op === 'put') {
  const chunk = Buffer.alloc(1024 * 1024, 7);
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= bytes) return this.push(null);
      const n = Math.min(chunk.length, bytes - sent);
      sent += n;
      this.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
  await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: bytes }));
} else {
  const got = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  let received = 0;
  await pipeline(
    got.Body,
    new Writable({
      write(c, _e, cb) {
        received += c.length;
        cb();
      },
    }),
  );
  if (received !== bytes) throw new Error(`received ${received} of ${bytes}`);
}
const seconds = (Date.now() - started) / 1000;
console.log(JSON.stringify({ op, bytes, seconds, mibPerSecond: bytes / 1048576 / seconds }));
client.destroy();
