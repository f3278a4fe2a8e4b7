import { z } from 'zod';

/**
 * A base URL under which keys are appended: http(s), no query or fragment. Normalised
 * to end with "/" so `new URL`-free concatenation is safe.
 */
export const baseUrlSchema = z
  .string()
  .trim()
  .refine(
    (value) => {
      let url: URL;
      try {
        url = new URL(value);
      } catch {
        return false;
      }
      return (
        (url.protocol === 'http:' || url.protocol === 'https:') &&
        url.search === '' &&
        url.hash === '' &&
        url.username === '' &&
        url.password === ''
      );
    },
    { message: 'must be an absolute http(s) URL without query, fragment or credentials' },
  )
  .transform((value) => {
    const url = new URL(value);
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  });
