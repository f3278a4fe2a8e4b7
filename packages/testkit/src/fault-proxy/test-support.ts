// Local servers and client helpers for the FaultProxy's own tests (not exported from the package).
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface LocalServer {
  port: number;
  /** Connections the server accepted. */
  accepted: number;
  /** Bytes each accepted connection received, in order, and how it ended. */
  received: Array<{ bytes: Buffer[]; ended: 'fin' | 'error' | 'open'; error?: string }>;
  /** Resets (RST) every open connection. */
  resetAll(): void;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  return address.port;
}

/**
 * A TCP server that records what it receives. `mode`: `echo` writes every chunk back and
 * ends after the client's FIN; `send` writes `payload` at once and ends; `sink` only reads.
 */
export async function startTcpServer(mode: 'echo' | 'send' | 'sink', payload?: Buffer): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  const state: LocalServer = {
    port: 0,
    accepted: 0,
    received: [],
    resetAll: () => {
      for (const s of sockets) s.resetAndDestroy();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    state.accepted += 1;
    const record: LocalServer['received'][number] = { bytes: [], ended: 'open' };
    state.received.push(record);
    socket.on('data', (chunk: Buffer) => {
      record.bytes.push(chunk);
      if (mode === 'echo') socket.write(chunk);
    });
    socket.on('end', () => {
      record.ended = 'fin';
      socket.end();
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      record.ended = 'error';
      record.error = e.code ?? e.message;
    });
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'send' && payload !== undefined) socket.end(payload);
  });
  state.port = await listen(server);
  return state;
}

export interface ClientResult {
  data: Buffer;
  /** `fin`: clean end; `error`: the socket failed (code in `error`). */
  outcome: 'fin' | 'error';
  error?: string;
}

/** Connects, optionally sends `send` (then FIN unless `keepOpen`), and collects until the socket closes. */
export function tcpExchange(
  port: number,
  send?: Buffer,
  options: { keepOpen?: boolean } = {},
): Promise<ClientResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    socket.on('close', () => {
      resolve({
        data: Buffer.concat(chunks),
        outcome: error === undefined ? 'fin' : 'error',
        ...(error === undefined ? {} : { error }),
      });
    });
    socket.on('connect', () => {
      if (send !== undefined) socket.write(send);
      if (!options.keepOpen) socket.end();
    });
  });
}

/** An open client socket with what it has received so far. */
export interface OpenClient {
  socket: Socket;
  received(): Buffer;
  /** Resolves once at least `n` bytes have arrived in total. */
  waitForBytes(n: number): Promise<Buffer>;
  closed: Promise<{ error?: string }>;
}

export async function openClient(port: number): Promise<OpenClient> {
  const socket = connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  let total = 0;
  const waiters: Array<{ n: number; resolve: (b: Buffer) => void }> = [];
  let error: string | undefined;
  const closed = new Promise<{ error?: string }>((resolve) => {
    socket.on('close', () => resolve(error === undefined ? {} : { error }));
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    error = e.code ?? e.message;
  });
  socket.on('data', (c: Buffer) => {
    chunks.push(c);
    total += c.length;
    for (const w of waiters.splice(0)) {
      if (total >= w.n) w.resolve(Buffer.concat(chunks));
      else waiters.push(w);
    }
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    received: () => Buffer.concat(chunks),
    waitForBytes: (n) =>
      total >= n
        ? Promise.resolve(Buffer.concat(chunks))
        : new Promise((resolve) => waiters.push({ n, resolve })),
    closed,
  };
}

/** Polls on the event loop's check phase (no timers, so it works under fake timers) until `predicate` holds. */
export async function until(predicate: () => boolean, what: string, maxTurns = 200_000): Promise<void> {
  for (let i = 0; i < maxTurns; i++) {
    if (predicate()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** An HTTP server answering every GET with `body` (Content-Length set). */
export async function startHttpServer(body: Buffer): Promise<{ port: number; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' });
    res.end(body);
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** GETs `/` and reads the whole body; reports what the consumer saw. */
export function httpGet(port: number): Promise<{ status?: number; body: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', (e: NodeJS.ErrnoException) =>
        resolve({ status: res.statusCode, body: Buffer.concat(chunks), error: e.code ?? e.message }),
      );
    });
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve({ body: Buffer.concat(chunks), error: e.code ?? e.message }),
    );
    req.end();
  });
}

export const bytes = (n: number): Buffer => randomBytes(n);
