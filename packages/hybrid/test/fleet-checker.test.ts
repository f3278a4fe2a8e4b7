import { describe, expect, it } from 'vitest';
import { checkFleet, type Mutation, parseLogs, type Read } from './fleet/fleet-checker.js';

// The fleet test's checker must see what it claims to see: each violation on a tiny history.

const put = (id: string, sha: string, start: number, end?: number, acked = end !== undefined): Mutation => ({
  id,
  key: 'k',
  op: 'put',
  sha,
  start: BigInt(start),
  ...(end === undefined ? {} : { end: BigInt(end) }),
  acked,
});
const del = (id: string, start: number, end?: number, acked = end !== undefined): Mutation => ({
  id,
  key: 'k',
  op: 'del',
  start: BigInt(start),
  ...(end === undefined ? {} : { end: BigInt(end) }),
  acked,
});
const read = (sha: string | null, start: number, end: number): Read => ({
  key: 'k',
  sha,
  start: BigInt(start),
  end: BigInt(end),
});
const check = (mutations: Mutation[], reads: Read[], final: string | null) =>
  checkFleet(mutations, reads, 0, new Map([['k', final]])).counts;

describe('the fleet checker', () => {
  it('accepts a history where every read sees the latest acknowledged version or a concurrent one', () => {
    const history = [put('a', 'A', 0, 10), put('b', 'B', 20, 30), del('c', 40, 50)];
    const reads = [
      read('A', 11, 12),
      read('A', 25, 26),
      read('B', 25, 26),
      read('B', 31, 32),
      read(null, 45, 46),
      read('B', 45, 46),
      read(null, 51, 52),
    ];
    expect(check(history, reads, null)).toMatchObject({
      staleReads: 0,
      resurrectedDeletes: 0,
      lostWrites: 0,
      finalMismatches: 0,
      phantomReads: 0,
      finalIsLastAcked: 1,
    });
  });

  it('counts a read of a version older than one acknowledged before it began as stale', () => {
    expect(check([put('a', 'A', 0, 10), put('b', 'B', 20, 30)], [read('A', 31, 32)], 'B').staleReads).toBe(1);
    // Absent after an acknowledged put, with no delete anywhere near: stale too.
    expect(check([put('a', 'A', 0, 10)], [read(null, 11, 12)], 'A').staleReads).toBe(1);
  });

  it('counts a read that returns what an acknowledged delete removed as resurrected', () => {
    expect(
      check([put('a', 'A', 0, 10), del('d', 20, 30)], [read('A', 31, 32)], null).resurrectedDeletes,
    ).toBe(1);
  });

  it('allows what an unacknowledged write may have done, and only within its interval', () => {
    const failed = put('f', 'F', 20, 30, false);
    expect(check([put('a', 'A', 0, 10), failed], [read('F', 31, 32), read('A', 33, 34)], 'F')).toMatchObject({
      staleReads: 0,
      finalMismatches: 0,
    });
    // A write read before it began is a phantom.
    expect(check([put('a', 'A', 0, 10), failed], [read('F', 11, 12)], 'A').phantomReads).toBe(1);
    // Cut short by SIGKILL: it may land any time after it began.
    expect(
      check([put('a', 'A', 0, 10), put('k', 'K', 20), put('b', 'B', 40, 50)], [], 'K').finalMismatches,
    ).toBe(0);
  });

  it('counts a final state older than the last acknowledged mutation as a lost write or a resurrected delete', () => {
    expect(check([put('a', 'A', 0, 10), put('b', 'B', 20, 30)], [], 'A')).toMatchObject({
      lostWrites: 1,
      finalMismatches: 1,
    });
    expect(check([put('a', 'A', 0, 10), put('b', 'B', 20, 30)], [], null)).toMatchObject({
      lostWrites: 1,
      finalMismatches: 1,
    });
    expect(check([put('a', 'A', 0, 10), del('d', 20, 30)], [], 'A')).toMatchObject({
      resurrectedDeletes: 1,
      finalMismatches: 1,
    });
    // Overlapping acknowledged puts: either may be last.
    expect(check([put('a', 'A', 0, 30), put('b', 'B', 10, 20)], [], 'A').finalMismatches).toBe(0);
    expect(check([put('a', 'A', 0, 30), put('b', 'B', 10, 20)], [], 'B').finalMismatches).toBe(0);
  });

  it('reads the JSON-lines logs the workers write', () => {
    const { mutations, reads, readsFailed } = parseLogs([
      [
        '{"e":"b","id":"w1-1","k":"k","op":"put","sha":"A","t":"5"}',
        '{"e":"a","id":"w1-1","t":"9"}',
        '{"e":"b","id":"w1-2","k":"k","op":"del","t":"12"}',
        '{"e":"r","k":"k","t0":"10","t1":"11","sha":"A"}',
        '{"e":"rf","k":"k","t0":"10","t1":"11","kind":"Unavailable"}',
        '',
      ].join('\n'),
    ]);
    expect(mutations).toEqual([
      { id: 'w1-1', key: 'k', op: 'put', sha: 'A', start: 5n, end: 9n, acked: true },
      { id: 'w1-2', key: 'k', op: 'del', start: 12n, acked: false },
    ]);
    expect(reads).toEqual([{ key: 'k', sha: 'A', start: 10n, end: 11n }]);
    expect(readsFailed).toBe(1);
  });
});
