/**
 * Values JSON cannot carry or would silently change (drop, turn into a string, into null):
 * an implementation that stores JSON must refuse them (InvalidInput) rather than read back
 * something else. Built fresh per call: some are mutable.
 */
export function valuesJsonWouldChange(): Array<readonly [label: string, value: Record<string, unknown>]> {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  return [
    ['a circular reference', circular],
    ['a bigint', { n: 10n }],
    ['a function', { f: () => 1 }],
    ['a symbol', { s: Symbol('x') }],
    ['NaN', { n: Number.NaN }],
    ['Infinity', { n: Number.POSITIVE_INFINITY }],
    ['a Date', { at: new Date(0) }],
    ['a Map', { m: new Map([['a', 1]]) }],
    ['an undefined array slot', { list: [1, undefined, 3] }],
    ['a nested bigint', { deep: { er: [{ n: 1n }] } }],
  ];
}

/** Strings a database may refuse or mangle (NUL, which PostgreSQL text and jsonb cannot hold; astral and combining characters). */
export const AWKWARD_STRINGS: readonly string[] = [
  'nul\u0000inside',
  'emoji 😀 music 𝄞',
  'cafe\u0301',
  '\u2028\u2029',
];
