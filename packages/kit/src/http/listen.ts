import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListenOptions {
  /** Default 127.0.0.1: these servers are for one machine unless told otherwise. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Path the URL ends with; default "/". */
  basePath?: string;
  /**
   * A connection that neither sends nor takes a byte for this long is closed (a stalled
   * reader of a large object would otherwise hold its socket and file forever). Default 30 s.
   */
  idleTimeoutMs?: number;
  /** The whole request (headers and body) must arrive within this; default 0 (uploads may be long). */
  requestTimeoutMs?: number;
  /** Headers must arrive within this; default 10 s. */
  headersTimeoutMs?: number;
  /**
   * Most connections at once; more are refused, so stalled clients cannot use up the
   * process's file descriptors. Default 256.
   */
  maxConnections?: number;
}

export interface ListeningServer {
  /** Base URL, e.g. `http://127.0.0.1:41234/`, ending in "/". */
  readonly url: string;
  readonly server: Server;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/** Starts an HTTP server for `handler` with bounded timeouts and connections, and says where it listens. */
export async function listenHttp(
  handler: RequestListener,
  options: ListenOptions = {},
): Promise<ListeningServer> {
  const server = applyServerLimits(createServer(handler), options);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const raw = options.basePath ?? '/';
  const base = `${raw.startsWith('/') ? '' : '/'}${raw}${raw.endsWith('/') ? '' : '/'}`;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}${base}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Sets the idle, request and header timeouts and the connection cap of `ListenOptions` (defaults included) on `server`. */
export function applyServerLimits<S extends Server>(
  server: S,
  options: Pick<
    ListenOptions,
    'idleTimeoutMs' | 'requestTimeoutMs' | 'headersTimeoutMs' | 'maxConnections'
  > = {},
): S {
  server.timeout = options.idleTimeoutMs ?? 30_000;
  server.requestTimeout = options.requestTimeoutMs ?? 0;
  server.headersTimeout = options.headersTimeoutMs ?? 10_000;
  server.keepAliveTimeout = Math.min(5_000, server.timeout || 5_000);
  server.maxConnections = options.maxConnections ?? 256;
  return server;
}
