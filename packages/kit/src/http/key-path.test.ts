import { describe, expect, it } from 'vitest';
import { decodeKeyPath, encodeKeyPath } from './key-path.js';

describe('key paths', () => {
  it.each([
    'plain/key.txt',
    "sp ace/plus+/percent%/hash#/q?/amp&/eq=/bang!/quote'/paren()/star*",
    'ünïcode/日本語/😀.png',
  ])('round-trips %j', (key) => {
    const path = encodeKeyPath(key);
    expect(path).toMatch(/^[A-Za-z0-9\-._~%/]+$/);
    expect(decodeKeyPath(path)).toBe(key);
  });

  it('refuses malformed escapes and escaped slashes', () => {
    expect(decodeKeyPath('a/%E0%A4%A')).toBeUndefined();
    expect(decodeKeyPath('a%2Fb')).toBeUndefined();
  });
});
