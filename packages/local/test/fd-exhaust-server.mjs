// Child of the path-disclosure test: serves a root with the local server, and on command
// uses up every file descriptor it may open (run it under `prlimit --nofile=…`), so the
// server's next open() fails with a real EMFILE. Run with --import ./register-ts-hooks.mjs.
// argv: root. stdin: "exhaust" | "release" lines; stdout: "url <url>", "exhausted <n>", "released".
import { closeSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { LocalObjectStore, listenLocalServer } from '@stowage/local';

const [root] = process.argv.slice(2);
const store = new LocalObjectStore({ root, fsync: false });
await store.put('small.txt', 'hello', { visibility: 'public' });
const server = await listenLocalServer({ store });
process.stdout.write(`url ${server.url}\n`);

const hoard = [];
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'exhaust') {
    try {
      for (;;) hoard.push(openSync('/dev/null', 'r'));
    } catch (error) {
      if (error.code !== 'EMFILE') throw error;
    }
    process.stdout.write(`exhausted ${hoard.length}\n`);
  } else if (line === 'release') {
    for (const fd of hoard.splice(0)) closeSync(fd);
    process.stdout.write('released\n');
  }
}
await server.close();
