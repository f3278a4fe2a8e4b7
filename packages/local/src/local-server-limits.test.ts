import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalObjectStore } from './local-object-store.js';
import { type ListeningLocalServer, listenLocalServer } from './local-server.js';

// Defect 6 of the audit: without limits, 50 stalled readers of a 64 MiB object held 50
// descriptors and sockets for over 90 s, and under a low fd limit locked out everyone else.

const HAS_PROC_FD = existsSync('/proc/self/fd');
const BIG = 32 * 1024 * 1024; // well beyond what loopback socket buffers hold

let root: string;
let store: LocalObjectStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'stowage-local-limits-'));
  store = new LocalObjectStore({ root, fsync: false });
  await store.put('big.bin', Buffer.alloc(BIG, 7), { visibility: 'public' });
  await store.put('small.txt', 'small', { visibility: 'public' });
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return Date.now() - start;
}

function rawConnect(server: ListeningLocalServer): Promise<Socket> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A plain GET on a connection of its own: the status, or the network error's code. */
function getStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

describe('the local server limits what stalled clients can hold', () => {
  it.skipIf(!HAS_PROC_FD)(
    'a stalled reader of a large object is disconnected within the idle timeout, and the file closed',
    async () => {
      const server = await listenLocalServer({ store, idleTimeoutMs: 300 });
      try {
        const baseline = openFds();
        let serverSide: Socket | undefined;
        server.server.once('connection', (s: Socket) => {
          serverSide = s;
        });
        const client = await rawConnect(server);
        client.write('GET /big.bin HTTP/1.1\r\nHost: local\r\n\r\n');
        // Take the first bytes, then stop reading: the server's writes back up and stall.
        await new Promise((r) => client.once('data', r));
        client.pause();
        await until(() => serverSide !== undefined, 1000);
        const closedAfter = await until(() => serverSide!.destroyed, 5000);
        // 300 ms of silence once the buffers are full; far from the 30 s default, and from forever.
        expect(closedAfter).toBeLessThan(4000);
        client.destroy();
        // The server's socket and the object's file descriptor are both released.
        await until(() => openFds() <= baseline, 2000);
      } finally {
        await server.close();
      }
    },
  );

  it('connections beyond maxConnections are refused; a normal client gets through once stalled ones time out', async () => {
    const server = await listenLocalServer({ store, maxConnections: 3, idleTimeoutMs: 400 });
    const stalled: Socket[] = [];
    try {
      // Three clients connect and say nothing.
      for (let i = 0; i < 3; i++) stalled.push(await rawConnect(server));
      await until(
        () =>
          new Promise<boolean>((resolve) => server.server.getConnections((_, count) => resolve(count === 3))),
        1000,
      );
      const refused = await getStatus(`${server.url}small.txt`);
      expect(refused, 'a fourth connection is refused').not.toBe(200);
      expect(typeof refused).toBe('string'); // a network error (reset), not an HTTP answer
      // The idle timeout drops the silent ones; then a normal client is served.
      await until(
        () => new Promise<boolean>((resolve) => server.server.getConnections((_, n) => resolve(n === 0))),
        3000,
      );
      expect(await getStatus(`${server.url}small.txt`)).toBe(200);
    } finally {
      for (const s of stalled) s.destroy();
      await server.close();
    }
  });

  it('a client that never finishes its headers is dropped by the idle timeout too', async () => {
    const server = await listenLocalServer({ store, idleTimeoutMs: 300 });
    try {
      const client = await rawConnect(server);
      client.on('error', () => {});
      client.write('GET /small.txt HTTP/1.1\r\nHost: loc');
      const closed = new Promise((r) => client.once('close', r));
      const start = Date.now();
      await closed;
      expect(Date.now() - start).toBeLessThan(3000);
    } finally {
      await server.close();
    }
  });
});
