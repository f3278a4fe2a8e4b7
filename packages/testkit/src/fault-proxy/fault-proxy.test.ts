import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';
import {
  bytes,
  httpGet,
  type LocalServer,
  openClient,
  startHttpServer,
  startTcpServer,
  tcpExchange,
  until,
} from './test-support.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function serverAndProxy(
  mode: 'echo' | 'send' | 'sink',
  payload?: Buffer,
): Promise<{ server: LocalServer; proxy: FaultProxy }> {
  const server = await startTcpServer(mode, payload);
  cleanups.push(() => server.close());
  const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port } });
  cleanups.push(() => proxy.close());
  return { server, proxy };
}

const receivedBy = (server: LocalServer, i = 0): Buffer => Buffer.concat(server.received[i]?.bytes ?? []);

describe('FaultProxy without faults', () => {
  it('forwards bytes both ways, passes on a half-close, and counts', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    expect(proxy.url).toBe(`http://127.0.0.1:${proxy.port}`);
    const payload = bytes(3 * 1024 * 1024 + 17);
    const result = await tcpExchange(proxy.port, payload);
    expect(result.outcome).toBe('fin');
    expect(result.data.equals(payload)).toBe(true);
    expect(receivedBy(server).equals(payload)).toBe(true);
    expect(server.received[0]?.ended).toBe('fin');
    await until(() => proxy.stats.active === 0, 'the connection to close');
    expect(proxy.stats).toMatchObject({
      connections: 1,
      active: 0,
      bytesUp: payload.length,
      bytesDown: payload.length,
      cuts: 0,
      resets: 0,
    });
  });

  it('serves many concurrent connections independently', async () => {
    const { proxy } = await serverAndProxy('echo');
    const payloads = Array.from({ length: 20 }, (_, i) => bytes(1000 + i * 5000));
    const results = await Promise.all(payloads.map((p) => tcpExchange(proxy.port, p)));
    results.forEach((r, i) => {
      expect(r.data.equals(payloads[i] as Buffer)).toBe(true);
    });
    expect(proxy.stats.connections).toBe(20);
  });

  it('carries HTTP', async () => {
    const body = bytes(200_000);
    const http = await startHttpServer(body);
    cleanups.push(() => http.close());
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: http.port } });
    cleanups.push(() => proxy.close());
    const res = await httpGet(proxy.port);
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(200);
    expect(res.body.equals(body)).toBe(true);
  });

  it('passes a reset from the server on to the client', async () => {
    const { server, proxy } = await serverAndProxy('sink');
    const client = await openClient(proxy.port);
    client.socket.write('hello');
    await until(() => receivedBy(server).length === 5, 'the server to read');
    server.resetAll();
    expect(await client.closed).toEqual({ error: 'ECONNRESET' });
  });

  it('resets the client when the target is not listening', async () => {
    const server = await startTcpServer('sink');
    const port = server.port;
    await server.close();
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port } });
    cleanups.push(() => proxy.close());
    const result = await tcpExchange(proxy.port, Buffer.from('x'), { keepOpen: true });
    expect(result.outcome).toBe('error');
    expect(result.error).toBe('ECONNRESET');
    expect(proxy.stats.upstreamErrors).toBe(1);
  });
});

describe('cutAfterBytes', () => {
  it('downstream: the client gets exactly N bytes, then a clean end', async () => {
    const payload = bytes(500_000);
    const { proxy } = await serverAndProxy('send', payload);
    proxy.set({ cutAfterBytes: { downstream: 123_457 } });
    const result = await tcpExchange(proxy.port, undefined, { keepOpen: true });
    expect(result.outcome).toBe('fin');
    expect(result.data.equals(payload.subarray(0, 123_457))).toBe(true);
    expect(proxy.stats.cuts).toBe(1);
    expect(proxy.stats.bytesDown).toBe(123_457);
  });

  it('downstream over HTTP: the consumer of a truncated body gets an error, never a short body', async () => {
    const body = bytes(300_000);
    const http = await startHttpServer(body);
    cleanups.push(() => http.close());
    const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: http.port } });
    cleanups.push(() => proxy.close());
    proxy.set({ cutAfterBytes: { downstream: 50_000 } });
    const res = await httpGet(proxy.port);
    expect(res.status).toBe(200);
    expect(res.error).toBe('ECONNRESET'); // Node's "aborted"
    expect(res.body.length).toBeLessThan(50_000);
    expect(res.body.equals(body.subarray(0, res.body.length))).toBe(true);
  });

  it('upstream: the server gets exactly N bytes, then a clean end', async () => {
    const { server, proxy } = await serverAndProxy('sink');
    proxy.set({ cutAfterBytes: { upstream: 70_001 } });
    const payload = bytes(400_000);
    const result = await tcpExchange(proxy.port, payload);
    // The client was writing when its connection ended; whether it noticed as EPIPE/ECONNRESET depends on timing.
    expect(['fin', 'error']).toContain(result.outcome);
    await until(() => server.received[0]?.ended !== 'open', 'the server side to end');
    expect(server.received[0]?.ended).toBe('fin');
    expect(receivedBy(server).equals(payload.subarray(0, 70_001))).toBe(true);
    expect(proxy.stats.cuts).toBe(1);
  });

  it('with times: 1 fires once, then disarms itself', async () => {
    const payload = bytes(10_000);
    const { proxy } = await serverAndProxy('send', payload);
    proxy.set({ cutAfterBytes: { downstream: 100, times: 1 } });
    const first = await tcpExchange(proxy.port, undefined, { keepOpen: true });
    expect(first.data.length).toBe(100);
    expect(proxy.faults.cutAfterBytes).toBeUndefined();
    const second = await tcpExchange(proxy.port, undefined, { keepOpen: true });
    expect(second.data.equals(payload)).toBe(true);
    expect(proxy.stats.cuts).toBe(1);
  });

  it('counts from the set() call on a connection that already carried traffic', async () => {
    const { proxy } = await serverAndProxy('echo');
    const client = await openClient(proxy.port);
    client.socket.write(bytes(5000));
    await client.waitForBytes(5000);
    proxy.set({ cutAfterBytes: { downstream: 1000 } });
    const more = bytes(3000);
    client.socket.write(more);
    const { error } = await client.closed;
    expect(error).toBeUndefined();
    const got = client.received();
    expect(got.length).toBe(6000);
    expect(got.subarray(5000).equals(more.subarray(0, 1000))).toBe(true);
  });
});

describe('resetAfterBytes', () => {
  it('downstream: the client sees a reset after at most N bytes', async () => {
    const payload = bytes(600_000);
    const { proxy } = await serverAndProxy('send', payload);
    proxy.set({ resetAfterBytes: { downstream: 200_000 } });
    const result = await tcpExchange(proxy.port, undefined, { keepOpen: true });
    expect(result.outcome).toBe('error');
    expect(result.error).toBe('ECONNRESET');
    expect(result.data.length).toBeLessThanOrEqual(200_000);
    expect(result.data.equals(payload.subarray(0, result.data.length))).toBe(true);
    expect(proxy.stats).toMatchObject({ resets: 1, bytesDown: 200_000 });
  });

  it('upstream: both the client and the server see a reset; the server got at most N bytes', async () => {
    const { server, proxy } = await serverAndProxy('sink');
    proxy.set({ resetAfterBytes: { upstream: 64_000 } });
    const payload = bytes(1_000_000);
    const result = await tcpExchange(proxy.port, payload, { keepOpen: true });
    expect(result.outcome).toBe('error');
    expect(['ECONNRESET', 'EPIPE']).toContain(result.error);
    await until(() => server.received[0]?.ended !== 'open', 'the server side to fail');
    expect(server.received[0]).toMatchObject({ ended: 'error', error: 'ECONNRESET' });
    expect(receivedBy(server).length).toBeLessThanOrEqual(64_000);
    expect(proxy.stats.resets).toBe(1);
  });
});

describe('refuse, failConnections, blackhole', () => {
  it('refuse: new connections are accepted and reset; an open one keeps working', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    const open = await openClient(proxy.port);
    open.socket.write('before');
    await open.waitForBytes(6);
    proxy.set({ refuse: true });
    const refused = await tcpExchange(proxy.port, Buffer.from('hello'), { keepOpen: true });
    expect(refused).toMatchObject({ outcome: 'error', error: 'ECONNRESET' });
    expect(refused.data.length).toBe(0);
    expect(server.accepted).toBe(1);
    open.socket.write('after');
    expect((await open.waitForBytes(11)).toString()).toBe('beforeafter');
    proxy.set({ refuse: false });
    expect((await tcpExchange(proxy.port, Buffer.from('again'))).data.toString()).toBe('again');
    expect(proxy.stats.refused).toBe(1);
    open.socket.destroy();
  });

  it('failConnections: exactly the next N connections fail, then traffic flows', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    proxy.set({ failConnections: 2 });
    const a = await tcpExchange(proxy.port, Buffer.from('a'), { keepOpen: true });
    expect(proxy.faults.failConnections).toBe(1);
    const b = await tcpExchange(proxy.port, Buffer.from('b'), { keepOpen: true });
    const c = await tcpExchange(proxy.port, Buffer.from('c'));
    expect([a.error, b.error]).toEqual(['ECONNRESET', 'ECONNRESET']);
    expect(c).toMatchObject({ outcome: 'fin' });
    expect(c.data.toString()).toBe('c');
    expect(server.accepted).toBe(1);
    expect(proxy.stats.failed).toBe(2);
    expect(proxy.faults.failConnections).toBeUndefined();
  });

  it('blackhole: new connections are accepted but never reach the server nor get an answer', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    proxy.set({ blackhole: true });
    const client = await openClient(proxy.port);
    client.socket.write('anyone there?');
    await until(() => proxy.stats.blackholedBytes === 13, 'the proxy to swallow the request');
    expect(proxy.stats.blackholed).toBe(1);
    // A socket-level idle timeout is how a client notices: it fires because nothing ever comes back.
    client.socket.setTimeout(100);
    await new Promise<void>((resolve) => client.socket.once('timeout', resolve));
    expect(client.received().length).toBe(0);
    expect(server.accepted).toBe(0);
    client.socket.destroy();
    await client.closed;
    await until(() => proxy.stats.active === 0, 'the blackholed connection to be released');
  });

  it('blackhole swallows bytes on open connections until it is switched off', async () => {
    const { server, proxy } = await serverAndProxy('echo');
    const client = await openClient(proxy.port);
    client.socket.write('one');
    await client.waitForBytes(3);
    proxy.set({ blackhole: true });
    client.socket.write('lost');
    await until(() => proxy.stats.blackholedBytes === 4, "'lost' to be swallowed");
    proxy.set({ blackhole: undefined });
    client.socket.write('two');
    expect((await client.waitForBytes(6)).toString()).toBe('onetwo');
    expect(receivedBy(server).toString()).toBe('onetwo');
    client.socket.destroy();
  });
});

describe('lifecycle and bounds', () => {
  it('rejects bad settings with a RangeError naming them, changing nothing', async () => {
    const { proxy } = await serverAndProxy('echo');
    proxy.set({ latencyMs: 5 });
    const bad: unknown[] = [
      { latencyMs: -1 },
      { latencyMs: Number.NaN },
      { latencyPer: 'request' },
      { bandwidthBytesPerSec: 0 },
      { cutAfterBytes: { downstream: 1.5 } },
      { cutAfterBytes: {} },
      { resetAfterBytes: { upstream: -3 } },
      { resetAfterBytes: { upstream: 3, times: 0 } },
      { failConnections: -1 },
      { refuse: 'yes' },
      { blackhole: 1 },
      { latencyMS: 5 },
    ];
    for (const patch of bad) {
      expect(() => proxy.set(patch as never), JSON.stringify(patch)).toThrow(RangeError);
    }
    expect(() => proxy.set({ bandwidthBytesPerSec: -5 })).toThrow(/bandwidthBytesPerSec/);
    expect(proxy.faults).toEqual({ latencyMs: 5 });
    proxy.clear();
    expect(proxy.faults).toEqual({});
    await expect(FaultProxy.start({ target: { host: '127.0.0.1', port: 0 } })).rejects.toThrow(/target.port/);
    await expect(FaultProxy.start({ target: { host: '', port: 80 } })).rejects.toThrow(/target.host/);
    await expect(
      FaultProxy.start({ target: { host: '127.0.0.1', port: 80 }, faults: { latencyMs: -1 } }),
    ).rejects.toThrow(/latencyMs/);
  });

  it('dropConnections closes open connections and resolves once they are closed', async () => {
    const { proxy } = await serverAndProxy('echo');
    const clients = await Promise.all([openClient(proxy.port), openClient(proxy.port)]);
    await until(() => proxy.stats.active === 2, 'two connections');
    await proxy.dropConnections();
    expect(proxy.stats.active).toBe(0);
    for (const c of clients) expect(await c.closed).toEqual({});
    // The proxy itself still works.
    expect((await tcpExchange(proxy.port, Buffer.from('x'))).data.toString()).toBe('x');
  });

  it('refuses connections beyond maxConnections', async () => {
    const server = await startTcpServer('echo');
    cleanups.push(() => server.close());
    const proxy = await FaultProxy.start({
      target: { host: '127.0.0.1', port: server.port },
      maxConnections: 1,
    });
    cleanups.push(() => proxy.close());
    const first = await openClient(proxy.port);
    await until(() => proxy.stats.active === 1, 'the first connection');
    const second = await tcpExchange(proxy.port, Buffer.from('x'), { keepOpen: true });
    expect(second.error).toBe('ECONNRESET');
    expect(proxy.stats.rejected).toBe(1);
    first.socket.destroy();
  });

  it('close() ends every connection and stops listening; it is idempotent', async () => {
    const { proxy } = await serverAndProxy('echo');
    const client = await openClient(proxy.port);
    await until(() => proxy.stats.active === 1, 'the connection');
    await Promise.all([proxy.close(), proxy.close()]);
    await client.closed;
    const after = await tcpExchange(proxy.port, Buffer.from('x'), { keepOpen: true });
    expect(after.error).toBe('ECONNREFUSED');
  });

  it('works with await using', async () => {
    const server = await startTcpServer('echo');
    cleanups.push(() => server.close());
    let port = 0;
    {
      await using proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: server.port } });
      port = proxy.port;
      expect((await tcpExchange(port, Buffer.from('y'))).data.toString()).toBe('y');
    }
    expect((await tcpExchange(port, Buffer.from('y'), { keepOpen: true })).error).toBe('ECONNREFUSED');
  });
});
