import { isStorageError } from '@stowage/core';
import { S3Error, s3ErrorFrom } from '../http/s3-error.js';
import { escapeXml, parseXmlDocument, xmlDocument } from '../http/xml.js';
import { readSmallBody, verifiedBody } from '../payload/request-body.js';
import { bucketOf, requireScope, type S3Call, sendEmpty, sendXml } from './call.js';

/** GET / */
export async function listBuckets(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  let buckets: Awaited<ReturnType<S3Call['state']['buckets']['list']>>;
  try {
    buckets = await call.state.buckets.list();
  } catch (error) {
    throw s3ErrorFrom(error, 'bucket');
  }
  const started = new Date(0);
  sendXml(call, 'ListAllMyBucketsResult', {
    Owner: { ID: call.state.owner.id, DisplayName: call.state.owner.displayName },
    Buckets: {
      Bucket: buckets.map((b) => ({ Name: b.name, CreationDate: b.createdAt ?? started })),
    },
  });
}

/** PUT /bucket */
export async function createBucket(call: S3Call): Promise<void> {
  requireScope(call, 'admin');
  const name = call.target.bucket!;
  const body = verifiedBody(call.request.raw, call.auth);
  const text = (await readSmallBody(body, call.state.maxXmlBytes)).toString('utf8');
  let region: string | undefined;
  if (text.trim() !== '') {
    const doc = parseXmlDocument(text, 'CreateBucketConfiguration');
    const constraint = doc.LocationConstraint;
    if (typeof constraint === 'string' && constraint !== '') region = constraint;
  }
  try {
    await call.state.buckets.create(name, region === undefined ? {} : { region });
  } catch (error) {
    if (isStorageError(error, 'InvalidInput')) {
      throw new S3Error('InvalidBucketName', undefined, { BucketName: name }, { cause: error });
    }
    const mapped = s3ErrorFrom(error, 'bucket');
    throw mapped.code === 'BucketAlreadyOwnedByYou'
      ? new S3Error('BucketAlreadyOwnedByYou', undefined, { BucketName: name }, { cause: error })
      : mapped;
  }
  call.reply.header('location', `/${name}`);
  sendEmpty(call);
}

/** DELETE /bucket */
export async function deleteBucket(call: S3Call): Promise<void> {
  requireScope(call, 'admin');
  const name = call.target.bucket!;
  try {
    await call.state.buckets.delete(name);
  } catch (error) {
    const mapped = s3ErrorFrom(error, 'bucket');
    throw new S3Error(mapped.code, mapped.message, { BucketName: name }, { cause: error });
  }
  sendEmpty(call, 204);
}

/** HEAD /bucket */
export async function headBucket(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  await bucketOf(call);
  call.reply.header('x-amz-bucket-region', call.state.region);
  sendEmpty(call);
}

/** GET /bucket?location */
export async function getBucketLocation(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  await bucketOf(call);
  const region = call.state.region === 'us-east-1' ? '' : call.state.region;
  call.reply
    .code(200)
    .header('content-type', 'application/xml')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
    );
}

/** GET /bucket?versioning: never enabled here, which is S3's answer for such a bucket. */
export async function getBucketVersioning(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  await bucketOf(call);
  call.reply
    .code(200)
    .header('content-type', 'application/xml')
    .send(xmlDocument('VersioningConfiguration', {}));
}

/** GET /bucket?acl: the owner has full control (objects are private unless made public one by one). */
export async function getBucketAcl(call: S3Call): Promise<void> {
  requireScope(call, 'read');
  await bucketOf(call);
  sendAcl(call, false);
}

/** An ACL document (with the `xsi:type` attributes clients such as s3cmd read). */
export function sendAcl(call: S3Call, publicRead: boolean): void {
  const { id, displayName } = call.state.owner;
  const xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';
  const owner = `<ID>${escapeXml(id)}</ID><DisplayName>${escapeXml(displayName)}</DisplayName>`;
  let grants = `<Grant><Grantee ${xsi} xsi:type="CanonicalUser">${owner}</Grantee><Permission>FULL_CONTROL</Permission></Grant>`;
  if (publicRead) {
    grants += `<Grant><Grantee ${xsi} xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant>`;
  }
  call.reply
    .code(200)
    .header('content-type', 'application/xml')
    .send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner>${owner}</Owner><AccessControlList>${grants}</AccessControlList></AccessControlPolicy>`,
    );
}
