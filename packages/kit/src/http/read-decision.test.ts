import { describe, expect, it } from 'vitest';
import { decideRead } from './read-decision.js';

const object = { etag: '"v2"', lastModified: new Date('2026-01-02T03:04:05Z'), size: 100 };
const when = (date: string) => new Date(date).toUTCString();

describe('decideRead (RFC 9110 §13.2.2)', () => {
  it('serves ranges: one range 206, unsatisfiable 416, malformed or several ranges 200', () => {
    expect(decideRead({ range: 'bytes=0-9' }, object)).toEqual({ status: 206, range: { start: 0, end: 9 } });
    expect(decideRead({ range: 'bytes=-10' }, object)).toEqual({
      status: 206,
      range: { start: 90, end: 99 },
    });
    expect(decideRead({ range: 'bytes=200-' }, object)).toEqual({ status: 416 });
    expect(decideRead({ range: 'bytes=a-b' }, object)).toEqual({ status: 200 });
    expect(decideRead({ range: 'bytes=0-1,50-60' }, object)).toEqual({ status: 200 });
  });

  it('If-Range naming another version serves the whole object (200), never a stitched range', () => {
    expect(decideRead({ range: 'bytes=0-3', 'if-range': '"v1"' }, object)).toEqual({ status: 200 });
    expect(decideRead({ range: 'bytes=0-3', 'if-range': '"v2"' }, object)).toMatchObject({ status: 206 });
    expect(decideRead({ range: 'bytes=0-3', 'if-range': 'W/"v2"' }, object)).toEqual({ status: 200 });
    expect(decideRead({ range: 'bytes=0-3', 'if-range': when('2026-01-01') }, object)).toEqual({
      status: 200,
    });
    expect(
      decideRead({ range: 'bytes=0-3', 'if-range': object.lastModified.toUTCString() }, object),
    ).toMatchObject({
      status: 206,
    });
  });

  it('If-Match and If-Unmodified-Since give 412', () => {
    expect(decideRead({ 'if-match': '"v1"' }, object)).toEqual({ status: 412 });
    expect(decideRead({ 'if-match': '"v1", "v2"' }, object)).toEqual({ status: 200 });
    expect(decideRead({ 'if-match': '*' }, object)).toEqual({ status: 200 });
    expect(decideRead({ 'if-unmodified-since': when('2026-01-01') }, object)).toEqual({ status: 412 });
    expect(decideRead({ 'if-unmodified-since': when('2026-02-01') }, object)).toEqual({ status: 200 });
  });

  it('If-None-Match and If-Modified-Since give 304', () => {
    expect(decideRead({ 'if-none-match': '"v2"' }, object)).toEqual({ status: 304 });
    expect(decideRead({ 'if-none-match': '"v1"' }, object)).toEqual({ status: 200 });
    expect(decideRead({ 'if-modified-since': when('2026-02-01') }, object)).toEqual({ status: 304 });
    expect(decideRead({ 'if-modified-since': when('2026-01-01') }, object)).toEqual({ status: 200 });
  });
});
