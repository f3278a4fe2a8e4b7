const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * `prefix` followed by filler segments (at most 200 bytes each) so the whole key is exactly
 * `totalBytes` of UTF-8. The filler is built from `unit` (1–4 bytes per character).
 */
export function keyOfBytes(prefix: string, totalBytes: number, unit = 'x'): string {
  let rest = totalBytes - utf8(prefix);
  if (rest < 1) throw new Error(`prefix ${prefix} is already ${utf8(prefix)} bytes`);
  const unitBytes = utf8(unit);
  const segments: string[] = [];
  while (rest > 0) {
    // Leave room for the "/" before the next segment, and never leave a remainder of 1 (it would need an empty segment).
    let take = Math.min(200, rest);
    if (rest - take === 1) take -= 1;
    const units = Math.floor(take / unitBytes);
    const seg = unit.repeat(units) + 'x'.repeat(take - units * unitBytes);
    segments.push(seg);
    rest -= take;
    if (rest > 0) rest -= 1; // the "/"
  }
  const key = prefix + segments.join('/');
  if (utf8(key) !== totalBytes) throw new Error(`keyOfBytes built ${utf8(key)} bytes, wanted ${totalBytes}`);
  return key;
}

/** Keys that must round-trip unchanged on every backend (DESIGN.md "Keys"). */
export const WEIRD_KEY_NAMES: readonly string[] = [
  'with space',
  ' leading and trailing space ',
  'plus+sign',
  'percent%20encoded',
  'percent%',
  '%2F-encoded-slash',
  'hash#fragment',
  'question?query=1',
  'amp&and=eq',
  'unicodé',
  'cafe\u0301-nfd',
  'caf\u00e9-nfc',
  '日本語/ファイル.txt',
  'emoji-😀',
  'music-𝄞',
  'zero\u200bwidth',
  'quote"double',
  "quote'single",
  'tilde~',
  'brackets[]{}()',
  'semi;colon,comma',
  'at@dollar$',
  'caret^pipe|backtick`',
  'angle<>',
  'star*bang!',
  '.leading-dot',
  'trailing-dot.',
  '...',
  'a..b',
  '-dash',
  'nested/dir/with space/file name.txt',
];
