// Latency, throttling and the lifetime limit, proven on a fake clock (setTimeout and Date are
// faked; sockets are real), so no assertion depends on how fast the machine is.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FaultProxy } from './fault-proxy.js';
import { bytes, type LocalServer, openClient, startTcpServer, tcpExchange, until } from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverAndProxy(
  mode: 'echo' | 'send',
  payload?: Buffer,
): Promise<{ server: LocalServer; proxy: FaultProxy }> {
  const server = await startTcpServer(mode, payload);
  cleanups.push(() => server.close());
  const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port } });
  cleanups.push(() => proxy.close());
  return { server, proxy };
}

const receivedBy = (server: LocalServer): number =>
  (server.received[0]?.bytes ?? []).reduce((n, b) => n + b.length, 0);

describe('latencyMs', () => {
  it('per chunk: each chunk is held for latencyMs in each direction', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    const client = await openClient(proxy.port);
    proxy.set({ latencyMs: 1000 });
    client.socket.write('ping');
    await until(() => proxy.stats.heldBytes === 4, 'the proxy to hold the request');
    await vi.advanceTimersByTimeAsync(999);
    expect(receivedBy(server)).toBe(0);
    expect(proxy.stats.bytesUp).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => receivedBy(server) === 4, 'the server to get the request');
    // The echo is now held on its way back.
    await until(() => proxy.stats.heldBytes === 4, 'the proxy to hold the echo');
    await vi.advanceTimersByTimeAsync(999);
    expect(client.received().length).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect((await client.waitForBytes(4)).toString()).toBe('ping');
    client.socket.destroy();
  });

  it('per chunk: delays overlap (a pipeline), they do not add up', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    const client = await openClient(proxy.port);
    proxy.set({ latencyMs: 1000 });
    client.socket.write('a');
    await until(() => proxy.stats.heldBytes === 1, 'the first chunk');
    await vi.advanceTimersByTimeAsync(500);
    client.socket.write('b');
    await until(() => proxy.stats.heldBytes === 2, 'the second chunk');
    await vi.advanceTimersByTimeAsync(500);
    await until(() => receivedBy(server) === 1, "'a' to arrive");
    await vi.advanceTimersByTimeAsync(499);
    expect(receivedBy(server)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => receivedBy(server) === 2, "'b' to arrive");
    client.socket.destroy();
  });

  it('per connection: the upstream connect waits latencyMs, then bytes flow freely', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    proxy.set({ latencyMs: 2000, latencyPer: 'connection' });
    const client = await openClient(proxy.port);
    client.socket.write('hello');
    await until(() => proxy.stats.connections === 1, 'the proxy to accept');
    await vi.advanceTimersByTimeAsync(1999);
    expect(server.accepted).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect((await client.waitForBytes(5)).toString()).toBe('hello');
    // No per-chunk delay on this connection.
    client.socket.write('again');
    expect((await client.waitForBytes(10)).toString()).toBe('helloagain');
    client.socket.destroy();
  });
});

describe('bandwidthBytesPerSec', () => {
  it('throttles each direction to the configured rate', async () => {
    const payload = bytes(1000);
    const { proxy } = await serverAndProxy('send', payload);
    proxy.set({ bandwidthBytesPerSec: 1000 }); // slices of 50 bytes, one every 50 ms
    const client = await openClient(proxy.port);
    await client.waitForBytes(50);
    await until(() => proxy.stats.heldBytes === 950, 'the rest to be held');
    expect(proxy.stats.bytesDown).toBe(50);
    await vi.advanceTimersByTimeAsync(500);
    expect(proxy.stats.bytesDown).toBe(550);
    await vi.advanceTimersByTimeAsync(449);
    expect(proxy.stats.bytesDown).toBe(950);
    await vi.advanceTimersByTimeAsync(1);
    expect((await client.waitForBytes(1000)).equals(payload)).toBe(true);
    await client.closed;
  });

  it('can be lifted mid-transfer', async () => {
    const payload = bytes(100_000);
    const { proxy } = await serverAndProxy('send', payload);
    proxy.set({ bandwidthBytesPerSec: 2000 });
    const client = await openClient(proxy.port);
    await client.waitForBytes(100);
    proxy.set({ bandwidthBytesPerSec: undefined });
    // One more paced slice is due; after it the rest flows unthrottled.
    await vi.advanceTimersByTimeAsync(50);
    expect((await client.waitForBytes(100_000)).equals(payload)).toBe(true);
  });
});

describe('maxLifetimeMs', () => {
  it('closes the proxy by itself when its lifetime is over', async () => {
    const server = await startTcpServer('echo');
    cleanups.push(() => server.close());
    const proxy = await FaultProxy.start({
      target: { host: '127.0.0.1', port: server.port },
      maxLifetimeMs: 60_000,
    });
    cleanups.push(() => proxy.close());
    const client = await openClient(proxy.port);
    await vi.advanceTimersByTimeAsync(60_000);
    await client.closed;
    expect((await tcpExchange(proxy.port, Buffer.from('x'), { keepOpen: true })).error).toBe('ECONNREFUSED');
  });
});
