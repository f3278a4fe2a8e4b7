/** Query parameters that carry a signature or a credential: never logged. */
const SECRET_PARAMS =
  /^(sig|signature|token|x-amz-signature|x-amz-credential|x-amz-security-token|api_key)$/i;

/** The URL as logs may show it: signatures and credentials in the query replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const raw = pair.split('=', 1)[0] ?? '';
      let name: string;
      try {
        name = decodeURIComponent(raw);
      } catch {
        return '[redacted]';
      }
      return SECRET_PARAMS.test(name) ? `${raw}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}
