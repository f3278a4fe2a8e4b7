import { S3Error } from '../http/s3-error.js';
import {
  createBucket,
  deleteBucket,
  getBucketAcl,
  getBucketLocation,
  getBucketVersioning,
  headBucket,
  listBuckets,
} from './buckets.js';
import { has, header, type S3Call } from './call.js';
import { listObjects } from './list.js';
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
  listMultipartUploads,
  listParts,
  uploadPart,
} from './multipart.js';
import {
  copyObject,
  deleteObject,
  deleteObjects,
  getObject,
  getObjectAcl,
  putObject,
  putObjectAcl,
} from './objects.js';

/** Bucket subresources S3 has and this gateway does not: answered NotImplemented, never faked. */
const UNSUPPORTED_BUCKET = [
  'accelerate',
  'analytics',
  'cors',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'lifecycle',
  'logging',
  'metadataConfiguration',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'replication',
  'requestPayment',
  'tagging',
  'website',
  'versions',
  'session',
];
const UNSUPPORTED_OBJECT = [
  'tagging',
  'retention',
  'legal-hold',
  'torrent',
  'restore',
  'select',
  'attributes',
  'renameObject',
];

function notImplemented(what: string): never {
  throw new S3Error('NotImplemented', `${what} is not supported by this gateway.`);
}

/** Dispatches an S3 request to its operation (path-style REST API). */
export async function route(call: S3Call): Promise<void> {
  const { method, target } = call;
  if (target.bucket === undefined) {
    if (method === 'GET') return listBuckets(call);
    throw new S3Error('MethodNotAllowed');
  }
  if (target.key === undefined) {
    const sub = UNSUPPORTED_BUCKET.find((name) => has(call, name));
    if (sub !== undefined) notImplemented(`The bucket ${sub} configuration`);
    switch (method) {
      case 'GET':
        if (has(call, 'location')) return getBucketLocation(call);
        if (has(call, 'versioning')) return getBucketVersioning(call);
        if (has(call, 'acl')) return getBucketAcl(call);
        if (has(call, 'uploads')) return listMultipartUploads(call);
        return listObjects(call, call.target.query.get('list-type')?.[0] === '2' ? 2 : 1);
      case 'HEAD':
        return headBucket(call);
      case 'PUT':
        if (has(call, 'versioning')) notImplemented('Versioning');
        if (has(call, 'acl')) notImplemented('Changing a bucket ACL');
        return createBucket(call);
      case 'DELETE':
        return deleteBucket(call);
      case 'POST':
        if (has(call, 'delete')) return deleteObjects(call);
        notImplemented('POST object uploads (browser forms)');
        break;
      default:
        throw new S3Error('MethodNotAllowed');
    }
  }
  const sub = UNSUPPORTED_OBJECT.find((name) => has(call, name));
  if (sub !== undefined) notImplemented(`Object ${sub}`);
  switch (method) {
    case 'GET':
      if (has(call, 'uploadId')) return listParts(call);
      if (has(call, 'acl')) return getObjectAcl(call);
      return getObject(call, false);
    case 'HEAD':
      return getObject(call, true);
    case 'PUT':
      if (has(call, 'uploadId') || has(call, 'partNumber')) return uploadPart(call);
      if (has(call, 'acl')) return putObjectAcl(call);
      if (header(call, 'x-amz-copy-source') !== undefined) return copyObject(call);
      return putObject(call);
    case 'POST':
      if (has(call, 'uploads')) return createMultipartUpload(call);
      if (has(call, 'uploadId')) return completeMultipartUpload(call);
      notImplemented('This POST operation');
      break;
    case 'DELETE':
      if (has(call, 'uploadId')) return abortMultipartUpload(call);
      return deleteObject(call);
    default:
      throw new S3Error('MethodNotAllowed');
  }
}
