// Child of the crash-safety test: writes, replaces, copies, moves and deletes large objects
// in a loop until it is SIGKILLed. Run with --import ./register-ts-hooks.mjs.
// argv: root, first version number.
import { Readable } from 'node:stream';
import { LocalObjectStore } from '@stowage/local';
import { contentOf } from './crash-content.mjs';

const [root, firstVersion] = process.argv.slice(2);
const store = new LocalObjectStore({ root });
const KEYS = ['obj/a.bin', 'obj/b.bin', 'obj/deep/c.bin', 'd.bin', 'obj/e.small'];

function chunked(bytes) {
  // 64 KiB chunks with a yield between them, so a kill can land in the middle of the body.
  return Readable.from(
    (async function* () {
      for (let i = 0; i < bytes.length; i += 64 * 1024) {
        if (i % (1024 * 1024) === 0) await new Promise((r) => setImmediate(r));
        yield bytes.subarray(i, i + 64 * 1024);
      }
    })(),
  );
}

let version = Number(firstVersion);
for (let i = 0; ; i++) {
  const key = KEYS[i % KEYS.length];
  const v = version++;
  const bytes = contentOf(key, v);
  const op = i % 7;
  process.stdout.write(`start ${i}\n`);
  // Every third write has no metadata: the store then writes no durable sidecar (small
  // bodies: none at all; large ones: a hash cache without fsync).
  const meta =
    v % 3 === 0 ? {} : { metadata: { version: String(v) }, contentType: 'application/x-crash-test' };
  if (op === 5) {
    // A copy keeps the source's bytes and metadata: the version header names the source key.
    await store.copy(KEYS[(i + 1) % KEYS.length], key).catch(() => {});
  } else if (op === 6) {
    await store.move(KEYS[(i + 2) % KEYS.length], key).catch(() => {});
  } else if (op === 3) {
    await store.delete(key);
  } else {
    await store.put(key, op % 2 === 0 ? chunked(bytes) : bytes, meta);
  }
  process.stdout.write(`end ${i}\n`);
}
