import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../s3-object-store.js';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret-key' };

describe('presignPut with maxSize', () => {
  it('is Unsupported where the profile does not claim POST policy uploads (spaces, generic)', async () => {
    for (const provider of ['spaces', 'generic'] as const) {
      const store = new S3ObjectStore({
        provider,
        bucket: 'assets',
        endpoint: 'http://127.0.0.1:1',
        credentials,
      });
      try {
        const error = await store
          .presignPut('a.txt', { expiresIn: 60, maxSize: 10 })
          .catch((e: unknown) => e);
        expect(isStorageError(error, 'Unsupported'), provider).toBe(true);
        expect((error as Error).message).toContain('postPolicy');
        // Without maxSize it is an ordinary presigned PUT.
        expect((await store.presignPut('a.txt', { expiresIn: 60 })).method).toBe('PUT');
      } finally {
        store.destroy();
      }
    }
  });

  it('an override turns it on, and the form goes to the bucket URL (virtual-hosted or path-style)', async () => {
    const virtual = new S3ObjectStore({
      provider: 'generic',
      bucket: 'assets',
      endpoint: 'https://objects.example.com',
      forcePathStyle: false,
      overrides: { postPolicy: true },
      credentials: { ...credentials, sessionToken: 'session-token' },
    });
    const aws = new S3ObjectStore({ bucket: 'assets', region: 'eu-west-1', credentials });
    try {
      const post = await virtual.presignPut('a b.txt', { expiresIn: 60, maxSize: 10 });
      expect(post).toMatchObject({ method: 'POST', url: 'https://assets.objects.example.com/', headers: {} });
      expect(post.fields).toMatchObject({
        key: 'a b.txt',
        'Content-Type': 'text/plain; charset=utf-8',
        'X-Amz-Security-Token': 'session-token',
      });
      expect(post.fields?.['X-Amz-Credential']).toMatch(/^AKIDEXAMPLE\/\d{8}\/us-east-1\/s3\/aws4_request$/);
      expect(post.fields?.['X-Amz-Signature']).toMatch(/^[0-9a-f]{64}$/);
      const onAws = await aws.presignPut('x', { expiresIn: 60, maxSize: 10, contentType: 'image/png' });
      expect(onAws.url).toBe('https://assets.s3.eu-west-1.amazonaws.com/');
      expect(onAws.fields?.['Content-Type']).toBe('image/png');
    } finally {
      virtual.destroy();
      aws.destroy();
    }
  });
});
