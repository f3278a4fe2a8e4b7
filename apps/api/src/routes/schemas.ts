import * as z from 'zod';

export const errorSchema = z
  .object({
    error: z.object({
      kind: z.string().describe('The StorageError kind: NotFound, InvalidInput, PermissionDenied, …'),
      message: z.string(),
      requestId: z.string(),
      retryable: z.boolean().optional(),
    }),
  })
  .describe('Every error');

export const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  412: errorSchema,
  413: errorSchema,
  429: errorSchema,
  501: errorSchema,
  503: errorSchema,
};

export const objectInfoSchema = z.object({
  key: z.string(),
  size: z.number(),
  etag: z.string(),
  contentType: z.string(),
  lastModified: z.string(),
  visibility: z.enum(['public', 'private']),
  sha256: z.string().optional(),
});

export const uploadResultSchema = z.object({
  key: z.string(),
  etag: z.string(),
  size: z.number(),
  sha256: z.string().optional(),
  contentType: z.string().describe('Detected from the bytes'),
  visibility: z.enum(['public', 'private']),
  image: z.object({ width: z.number(), height: z.number() }).optional(),
  urls: z.object({ api: z.string(), cdn: z.string().optional() }),
});
