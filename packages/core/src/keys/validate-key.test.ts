import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isStorageError } from '../errors/storage-error.js';
import { assertValidKey, compareKeys, isValidKey, keyProblem, prefixProblem } from './validate-key.js';

describe('key rules', () => {
  it.each([
    'a',
    'photos/2024/cat.jpg',
    'with space/and+plus%percent#hash?q&x=y',
    'ünïcödé/日本語/😀.png',
    'quotes\'"<>|*:',
    `${'a'.repeat(255)}/b`,
    'x/'.repeat(300).slice(0, 599),
  ])('accepts %j', (key) => {
    expect(keyProblem(key)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['/a', /start with "\/"/],
    ['a//b', /empty segments/],
    ['a/', /empty segments/],
    ['a/./b', /"\." or "\.\."/],
    ['../x', /"\." or "\.\."/],
    ['a\\b', /backslash/],
    ['a\u0000b', /control/],
    ['a\nb', /control/],
    ['a\u007fb', /control/],
    ['a\u0085b', /control/],
    ['\ud800', /well-formed/],
    ['a'.repeat(1025), /1025 bytes/],
    ['a'.repeat(256), /segment is 256 bytes/],
    ['é'.repeat(128), /segment is 256 bytes/],
  ])('rejects %j', (key, reason) => {
    expect(keyProblem(key)).toMatch(reason);
  });

  it('rejects non-strings', () => {
    expect(isValidKey(42)).toBe(false);
    expect(isValidKey(undefined)).toBe(false);
  });

  it('throws InvalidKey with context', () => {
    let caught: unknown;
    try {
      assertValidKey('a//b', { operation: 'put', backend: 'memory' });
    } catch (e) {
      caught = e;
    }
    expect(isStorageError(caught, 'InvalidKey')).toBe(true);
    expect(caught).toMatchObject({ kind: 'InvalidKey', operation: 'put', backend: 'memory', key: 'a//b' });
  });

  it('never accepts a key that could escape a root directory', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-composite', maxLength: 40 }), (key) => {
        if (!isValidKey(key)) return;
        const segments = key.split('/');
        expect(segments.every((s) => s !== '' && s !== '.' && s !== '..')).toBe(true);
        expect(key.startsWith('/')).toBe(false);
        expect(key.includes('\\')).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('validates prefixes, allowing a trailing slash and partial segments', () => {
    expect(prefixProblem('')).toBeUndefined();
    expect(prefixProblem('photos/')).toBeUndefined();
    expect(prefixProblem('photos/ca')).toBeUndefined();
    expect(prefixProblem('/')).toMatch(/"\/"/);
    expect(prefixProblem('a//')).toMatch(/empty/);
  });
});

describe('compareKeys', () => {
  it('orders by UTF-8 bytes, not UTF-16 code units', () => {
    // U+FFFD is EF BF BD in UTF-8; U+1F600 is F0 9F 98 80: the emoji sorts last in bytes,
    // but first in UTF-16 (surrogate D83D < FFFD).
    const keys = ['a\u{1F600}', 'a\uFFFD', 'a', 'a/b', 'a0', 'B', 'b'];
    expect([...keys].sort(compareKeys)).toEqual(['B', 'a', 'a/b', 'a0', 'a\uFFFD', 'a\u{1F600}', 'b']);
    expect('a\u{1F600}' < 'a\uFFFD').toBe(true);
  });

  it('agrees with Buffer.compare on random strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        if (!a.isWellFormed() || !b.isWellFormed()) return;
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
    );
  });

  it('agrees with Buffer.compare where surrogate pairs meet characters from U+E000 up', () => {
    const chars = fc.constantFrom(
      'a',
      '/',
      '\u00e9',
      '\ud7ff',
      '\ue000',
      '\uffff',
      '\uFFFD',
      '\u{10000}',
      '\u{1F600}',
      '\u{10FFFF}',
    );
    const text = fc.array(chars, { maxLength: 6 }).map((c) => c.join(''));
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
      }),
      { numRuns: 2000 },
    );
  });
});
