import { isStorageError, keyProblem } from '@stowage/core';
import { ManualClock } from '@stowage/memory';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyGenerator } from './key-generator.js';
import { normalizeExtension } from './normalize-extension.js';

const clock = new ManualClock(new Date('2026-03-04T05:06:07.089Z'));
const keys = new KeyGenerator(clock, {});

describe('KeyGenerator', () => {
  it('fills date, hash, timestamp and extension placeholders (seed 004: {yyyy}/{mm}/{dd}/{hash}_{ts}.{ext})', () => {
    expect(
      keys.fromPattern('temp/videos/{yyyy}/{mm}/{dd}/{hash}_{ts}.{ext}', { hash: 'ab12', ext: '.MP4' }),
    ).toBe(`temp/videos/2026/03/04/ab12_${clock.now().getTime()}.mp4`);
    expect(keys.fromPattern('{prefix}/{userId}.{ext}', { prefix: 'avatars', userId: 42, ext: 'JPEG' })).toBe(
      'avatars/42.jpg',
    );
  });

  it('refuses an unknown placeholder and values that make no valid key, naming the problem', () => {
    for (const [pattern, values] of [
      ['{missing}/x', {}],
      ['a/{v}/b', { v: '' }],
      ['a/{v}', { v: '..' }],
      ['{v}', { v: '/abs' }],
      ['{v}', { v: 'x'.repeat(2000) }],
    ] as const) {
      try {
        keys.fromPattern(pattern, values);
        expect.fail(`${pattern} should fail`);
      } catch (error) {
        expect(isStorageError(error, 'InvalidInput'), pattern).toBe(true);
      }
    }
  });

  it('content-hash keys are stable for the same bytes', () => {
    const a = keys.contentHash('hello', { prefix: 'assets/', ext: 'PNG' });
    expect(a).toBe(keys.contentHash(Buffer.from('hello'), { prefix: 'assets', ext: 'png' }));
    expect(a).toMatch(/^assets\/[0-9a-f]{32}\.png$/);
  });

  it('environment suffixes go before the extension, and production has none', () => {
    const dev = new KeyGenerator(clock, { environment: 'development' });
    expect(dev.withEnvironmentSuffix('data/users.json')).toBe('data/users-dev.json');
    expect(dev.withEnvironmentSuffix('data/.hidden/readme')).toBe('data/.hidden/readme-dev');
    expect(new KeyGenerator(clock, { environment: 'test' }).withEnvironmentSuffix('a.b/c')).toBe(
      'a.b/c-test',
    );
    expect(new KeyGenerator(clock, { environment: 'staging' }).withEnvironmentSuffix('x.json')).toBe(
      'x-staging.json',
    );
    expect(keys.withEnvironmentSuffix('x.json')).toBe('x.json');
  });

  it('normalises extensions and content types', () => {
    expect(['.JPEG', 'jpg', 'image/jpeg; q=1', 'Png', 'tiff'].map(normalizeExtension)).toEqual([
      'jpg',
      'jpg',
      'jpg',
      'png',
      'tif',
    ]);
    expect(() => normalizeExtension('a/b c')).toThrow();
  });

  it('property: any values give a valid key or InvalidInput, never anything else', () => {
    const value = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.integer());
    fc.assert(
      fc.property(
        fc.constantFrom('{a}/{b}.{ext}', '{a}/{yyyy}/{b}', 'x/{a}{b}', '{a}'),
        value,
        value,
        fc.string({ maxLength: 6 }),
        (pattern, a, b, ext) => {
          try {
            const key = keys.fromPattern(pattern, { a, b, ext });
            expect(keyProblem(key)).toBeUndefined();
          } catch (error) {
            expect(isStorageError(error, 'InvalidInput')).toBe(true);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
