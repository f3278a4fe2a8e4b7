import * as z from 'zod/mini';

/** Why a value is no base URL, or undefined when it is one. */
export function baseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http(s) URL';
  if (url.search !== '' || url.hash !== '') return 'must not have a query or fragment';
  if (url.username !== '' || url.password !== '') return 'must not carry credentials';
  return undefined;
}

/** A base URL normalised to end with "/", so appending an encoded key path is safe. */
export function normalizeBaseUrl(value: string): string {
  const href = new URL(value.trim()).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/**
 * The setting for a base URL under which keys are appended (CDNs, local and memory object
 * servers): http(s), no query, fragment or credentials; normalised to end with "/".
 */
export function baseUrlSchema(): z.ZodMiniType<string, string> {
  return z.pipe(
    z.string().check(
      z.refine((value) => baseUrlProblem(value) === undefined, {
        error: 'must be an absolute http(s) URL without query, fragment or credentials',
      }),
    ),
    z.transform(normalizeBaseUrl),
  );
}
