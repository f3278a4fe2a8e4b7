import { Readable } from 'node:stream';
import { expect } from 'vitest';
import { collect } from '../../helpers/collect.js';
import { expectStorageError } from '../assertions.js';
import type { CaseContext, Harness } from '../harness.js';
import { keyOfBytes } from '../keys.js';

/** Invalid keys; most sit under the case prefix so a store that wrongly accepts one writes only there. */
const INVALID_KEYS: ReadonlyArray<readonly [string, (prefix: string) => string]> = [
  ['empty', () => ''],
  ['leading slash', (p) => `/${p}a`],
  ['empty segment', (p) => `${p}a//b`],
  ['trailing slash', (p) => `${p}a/`],
  ['dot segment', (p) => `${p}a/./b`],
  ['dot-dot segment', (p) => `../${p}x`],
  ['trailing dot-dot', (p) => `${p}a/..`],
  ['backslash', (p) => `${p}a\\b`],
  ['NUL', (p) => `${p}a\u0000b`],
  ['newline', (p) => `${p}a\nb`],
  ['DEL', (p) => `${p}a\u007fb`],
  ['C1 control', (p) => `${p}a\u0085b`],
  ['lone surrogate', (p) => `${p}a\ud800b`],
  ['1025 bytes', (p) => keyOfBytes(p, 1025)],
  ['1025 bytes of 3-byte characters', (p) => keyOfBytes(p, 1025, '日')],
  ['256-byte segment', (p) => `${p}${'s'.repeat(256)}`],
  ['256-byte segment of 2-byte characters', (p) => `${p}${'é'.repeat(128)}`],
];

/** A body that fails the case if anyone reads it: an invalid key must be refused first. */
function untouchableBody(): { body: Readable; wasRead: () => boolean } {
  let read = false;
  const body = new Readable({
    read() {
      read = true;
      this.push(null);
    },
  });
  return { body, wasRead: () => read };
}

async function expectInvalidKey(ctx: CaseContext, bad: string): Promise<void> {
  const { store, key } = ctx;
  const valid = key('valid');
  const { body, wasRead } = untouchableBody();
  await expectStorageError(() => store.put(bad, body), 'InvalidKey', { operation: 'put' });
  expect(wasRead(), 'put read the body before refusing the key').toBe(false);
  body.destroy();
  await expectStorageError(() => store.put(bad, 'text'), 'InvalidKey');
  await expectStorageError(() => store.get(bad), 'InvalidKey', { operation: 'get' });
  await expectStorageError(() => store.head(bad), 'InvalidKey', { operation: 'head' });
  await expectStorageError(() => store.exists(bad), 'InvalidKey');
  await expectStorageError(() => store.delete(bad), 'InvalidKey', { operation: 'delete' });
  // The source is missing: refusing the key must come before looking it up (no NotFound).
  await expectStorageError(() => store.copy(valid, bad), 'InvalidKey');
  await expectStorageError(() => store.copy(bad, valid), 'InvalidKey');
  await expectStorageError(() => store.move(valid, bad), 'InvalidKey');
  await expectStorageError(() => store.move(bad, valid), 'InvalidKey');
  if (ctx.caps.presignGet)
    await expectStorageError(() => store.presignGet(bad, { expiresIn: 60 }), 'InvalidKey');
  if (ctx.caps.presignPut)
    await expectStorageError(() => store.presignPut(bad, { expiresIn: 60 }), 'InvalidKey');
  expect(await store.exists(valid)).toBe(false);
}

export function registerInvalidKeyCases(h: Harness): void {
  for (const [name, make] of INVALID_KEYS) {
    h.case(`invalid key (${name}) is InvalidKey for every operation`, async (ctx) => {
      const bad = make(ctx.prefix);
      await expectInvalidKey(ctx, bad);
    });
  }

  h.case('a non-string key is InvalidKey', async (ctx) => {
    for (const bad of [undefined, null, 42, {}] as unknown as string[]) {
      await expectStorageError(() => ctx.store.put(bad, 'x'), 'InvalidKey');
      await expectStorageError(() => ctx.store.head(bad), 'InvalidKey');
    }
  });

  h.case('an invalid startAfter is InvalidKey', async (ctx) => {
    await expectStorageError(
      () => collect(ctx.store.list({ prefix: ctx.prefix, startAfter: `${ctx.prefix}a//b` })),
      'InvalidKey',
    );
  });

  h.case('the longest valid key is accepted where one byte more is refused', async (ctx) => {
    const ok = keyOfBytes(ctx.prefix, 1024);
    await ctx.store.put(ok, 'fits');
    expect(await ctx.store.exists(ok)).toBe(true);
    await expectStorageError(() => ctx.store.put(`${ok}x`, 'too long'), 'InvalidKey');
  });
}
