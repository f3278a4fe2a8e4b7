/** Quotes an etag the way HTTP carries it. */
export function quoteEtag(etag: string): string {
  const bare = unquoteEtag(etag);
  return `"${bare}"`;
}

export function unquoteEtag(etag: string): string {
  let e = etag.trim();
  if (e.startsWith('W/')) e = e.slice(2);
  if (e.length >= 2 && e.startsWith('"') && e.endsWith('"')) e = e.slice(1, -1);
  return e;
}

/** Compares etags ignoring quoting and weak markers. */
export function etagsMatch(a: string, b: string): boolean {
  return unquoteEtag(a) === unquoteEtag(b);
}
