import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { StorageError } from '@stowage/core';
import { Secret } from '@stowage/kit';

/**
 * The key local mode signs URLs with: read from `path`, or made once (32 random bytes as hex)
 * and kept there with mode 0600, so URLs signed before a restart still verify after it. Two
 * processes starting together agree: the file is created exclusively and the loser reads it.
 * @throws ConfigInvalid when the file exists but holds no usable key, or cannot be read or written.
 */
export async function loadOrCreateSigningKey(path: string): Promise<Secret> {
  const ctx = { operation: 'configure', backend: 'stowage' };
  const existing = await readKey(path);
  if (existing !== undefined) return existing;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('hex');
  try {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(`${key}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return new Secret(key);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') {
      // Another process is writing it: wait (bounded) for its key rather than make a second one.
      for (let attempt = 0; attempt < 50; attempt++) {
        const raced = await readKey(path);
        if (raced !== undefined) return raced;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    throw new StorageError(
      'ConfigInvalid',
      `Cannot create the signing key file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`,
      ctx,
    );
  }
}

async function readKey(path: string): Promise<Secret | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new StorageError(
      'ConfigInvalid',
      `Cannot read the signing key file ${path}: ${(cause as NodeJS.ErrnoException).code ?? 'error'}`,
      { operation: 'configure', backend: 'stowage' },
    );
  }
  const key = text.trim();
  // A file caught mid-write by a racing process is empty: treat it as not there yet.
  if (key === '') return undefined;
  if (key.length < 16) {
    throw new StorageError(
      'ConfigInvalid',
      `The signing key file ${path} holds fewer than 16 characters; delete it to have a new key made`,
      { operation: 'configure', backend: 'stowage' },
    );
  }
  return new Secret(key);
}
