import { describe, expect, it } from 'vitest';
import { seaweedTtl } from './seaweed-ttl.js';

describe('seaweedTtl', () => {
  it('picks the finest unit and rounds up', () => {
    expect(seaweedTtl(60)).toEqual({ text: '1m', seconds: 60 });
    expect(seaweedTtl(61)).toEqual({ text: '2m', seconds: 120 });
    expect(seaweedTtl(255 * 60)).toEqual({ text: '255m', seconds: 15_300 });
    expect(seaweedTtl(255 * 60 + 1)).toEqual({ text: '5h', seconds: 18_000 });
    expect(seaweedTtl(30 * 86_400)).toEqual({ text: '30d', seconds: 2_592_000 });
  });
  it('refuses under a minute and non-integers', () => {
    for (const bad of [0, 59, -60, 60.5, Number.NaN]) expect(() => seaweedTtl(bad)).toThrow(/ttlSeconds/);
  });
});
