import 'reflect-metadata';
import { inspect } from 'node:util';
import { isStorageError } from '@stowage/core';
import { describe, expect, it } from 'vitest';
import { servicesOnMemory } from '../services.test-support.js';
import { SERVICE_TOKENS } from '../tokens.js';
import type { ApiKeys } from './api-keys.js';

function setup() {
  const env = servicesOnMemory();
  return { ...env, keys: env.container.resolve<ApiKeys>(SERVICE_TOKENS.ApiKeys) };
}

describe('ApiKeys', () => {
  it('creates a key whose token authenticates, with its scopes; stores no secret', async () => {
    const { keys, jobs } = setup();
    const created = await keys.create('ci uploader', ['read', 'write']);
    expect(created.token).toBe(`${created.id}.${created.secret}`);
    expect(await keys.authenticate(created.token)).toMatchObject({
      id: created.id,
      scopes: ['read', 'write'],
    });
    const stored = await jobs.get('api-key', created.id);
    expect(JSON.stringify(stored)).not.toContain(created.secret);
    expect(inspect(await keys.list(), { depth: 10 })).not.toContain(created.secret);
  });

  it('refuses tampered, unknown and revoked tokens', async () => {
    const { keys } = setup();
    const created = await keys.create('k', ['read']);
    const flipped = created.token.slice(0, -1) + (created.token.endsWith('A') ? 'B' : 'A');
    for (const bad of [
      flipped,
      `${created.id}.`,
      created.secret,
      '',
      'sk_x.y',
      `${created.id}.${created.secret}x`,
    ]) {
      expect(await keys.authenticate(bad), bad).toBeNull();
    }
    await keys.revoke(created.id);
    expect(await keys.authenticate(created.token)).toBeNull();
    expect((await keys.list()).items[0]?.revokedAt).toBeInstanceOf(Date);
    await keys.revoke('sk_unknown');
  });

  it('derives the same secret on another instance with the same server secret (a fleet)', async () => {
    const a = setup();
    const created = await a.keys.create('shared', ['admin']);
    expect(a.keys.secretOf(created.id)).toBe(created.secret);
  });

  it('refuses an empty name or unknown scope', async () => {
    const { keys } = setup();
    for (const run of [
      () => keys.create('', ['read']),
      () => keys.create('x', ['root' as never]),
      () => keys.create('x', []),
    ]) {
      let error: unknown;
      try {
        await run();
      } catch (caught) {
        error = caught;
      }
      expect(isStorageError(error, 'InvalidInput')).toBe(true);
    }
  });
});
