/**
 * The keys starting with `prefix` as a byte-order range `[from, to)` (`to` undefined: no upper
 * end), for an index range scan under `COLLATE "C"`. UTF-8 byte order is code point order, so
 * the first string past every key with the prefix is the prefix with its last code point
 * raised by one (U+10FFFF carries into the code point before it). No pattern syntax is
 * involved, so `%`, `_` and `\` in keys need no escaping.
 */
export function prefixRange(prefix: string): { from: string; to: string | undefined } {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last === 0x10ffff) continue;
    // Step over the surrogate range: those code points cannot be encoded.
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return { from: prefix, to: points.join('') + String.fromCodePoint(next) };
  }
  return { from: prefix, to: undefined };
}
