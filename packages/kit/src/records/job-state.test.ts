import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { encodeKeyCursor } from '../list/cursor.js';
import { assertJobName, checkJobList, checkJobSave, jobVersionConflict } from './job-state.js';

const ctx = { operation: 'save', key: 'k/i', backend: 'test' };

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('did not throw');
}

describe('assertJobName', () => {
  it('refuses an empty or missing kind or id', () => {
    expect(() => assertJobName('kind', 'id', ctx)).not.toThrow();
    for (const [kind, id] of [
      ['', 'id'],
      ['kind', ''],
      [undefined, 'id'],
      ['kind', 7],
    ]) {
      expect(
        isStorageError(
          errorOf(() => assertJobName(kind, id, ctx)),
          'InvalidInput',
        ),
      ).toBe(true);
    }
  });
});

describe('checkJobSave', () => {
  it('returns the data as JSON text', () => {
    expect(checkJobSave({ a: [1, 'two', null], b: undefined }, undefined, ctx)).toBe('{"a":[1,"two",null]}');
    expect(checkJobSave('text', 0, ctx)).toBe('"text"');
    expect(checkJobSave(null, 7, ctx)).toBe('null');
  });

  it('refuses an expectedVersion that is not a non-negative integer, before looking at the data', () => {
    for (const bad of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      const error = errorOf(() => checkJobSave(undefined, bad, ctx));
      expect(isStorageError(error, 'InvalidInput')).toBe(true);
      expect(error.message).toBe(`expectedVersion must be a non-negative integer; got ${bad}`);
      expect(error).toMatchObject(ctx);
    }
  });

  it('refuses data JSON cannot represent, undefined included', () => {
    const undef = errorOf(() => checkJobSave(undefined, undefined, ctx));
    expect(isStorageError(undef, 'InvalidInput')).toBe(true);
    expect(undef.message).toBe('data is not JSON-serialisable (undefined)');
    const date = errorOf(() => checkJobSave({ at: new Date(0) }, undefined, ctx));
    expect(isStorageError(date, 'InvalidInput')).toBe(true);
    expect(date.message).toMatch(/^data\.at \(a Date;/);
  });
});

describe('jobVersionConflict', () => {
  it('names the job and both versions', () => {
    const error = jobVersionConflict('kind', 'id', 3, 2, ctx);
    expect(isStorageError(error, 'Conflict')).toBe(true);
    expect(error.message).toBe('Job kind/id is at version 3, not the expected 2');
    expect(error).toMatchObject(ctx);
  });
});

describe('checkJobList', () => {
  const list = { operation: 'list', backend: 'test' };

  it('gives the page size (default 100) and the id to list after', () => {
    expect(checkJobList('kind', {}, list)).toEqual({ limit: 100, after: undefined });
    expect(checkJobList('kind', { limit: 5, cursor: encodeKeyCursor('b') }, list)).toEqual({
      limit: 5,
      after: 'b',
    });
  });

  it('refuses an empty kind, a bad limit and a malformed cursor', () => {
    expect(errorOf(() => checkJobList('', {}, list)).message).toBe('kind must be a non-empty string');
    for (const options of [{ limit: 0 }, { limit: 1001 }, { limit: 2.5 }, { cursor: 'nope' }]) {
      const error = errorOf(() => checkJobList('kind', options, list));
      expect(isStorageError(error, 'InvalidInput')).toBe(true);
      expect(error).toMatchObject(list);
    }
  });
});
