import { createServer, type RequestListener, type Server } from 'node:http';
import {
  createObjectRequestHandler,
  type ListeningServer,
  listenHttp,
  parseConfig,
  positiveInteger,
  type Secret,
  secretSchema,
  UrlSigner,
} from '@stowage/kit';
import * as z from 'zod/mini';
import { LocalObjectStore } from './local-object-store.js';

/** What the local server serves and how it checks signed URLs. */
export interface LocalServerConfig {
  /** The store to serve; a function when the store is created after the server (it needs the URL). */
  store: LocalObjectStore | (() => LocalObjectStore | undefined);
  /**
   * Verify signed URLs with this key instead of the store's `signing.secret` (they must be
   * the same for the store's URLs to verify). Default: the store's own signer; a store
   * without `signing` gets every signed URL refused.
   */
  secret?: string | Secret;
  /** Path under which keys are served. Default: the path of the store's `signing.baseUrl`, else "/". */
  basePath?: string;
  /** Serve public objects without a signature. Default true. */
  servePublic?: boolean;
  /**
   * Serve HTML, SVG, XML and JavaScript inline. Default false: such objects (which anyone
   * holding a presigned PUT may have uploaded) go out as attachments with a sandboxing CSP,
   * so they cannot run as pages of this origin.
   */
  serveActiveContent?: boolean;
}

/** The server's limits, so stalled or too many clients cannot hold its descriptors. */
export interface LocalServerLimits {
  /**
   * A connection that neither sends nor takes a byte for this long is closed: a stalled
   * reader of a large object does not hold its socket and file forever. Default 30 000 ms;
   * 0 turns it off (not advised for a server others can reach).
   */
  idleTimeoutMs?: number;
  /** The whole request, body included, must arrive within this. Default 0: none (uploads may be long). */
  requestTimeoutMs?: number;
  /** The request headers must arrive within this. Default 10 000 ms; 0 turns it off. */
  headersTimeoutMs?: number;
  /** Most connections at once; more are refused at once. Default 256. */
  maxConnections?: number;
}

/** `listenLocalServer`'s configuration: what to serve, the limits, and where to listen. */
export interface LocalServerListenConfig extends LocalServerConfig, LocalServerLimits {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
}

/** A running local server: `url` is the base URL to configure the store with (ends in "/"). */
export type ListeningLocalServer = ListeningServer;

const DEFAULT_IDLE_TIMEOUT_MS = 30_000;
const DEFAULT_HEADERS_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_CONNECTIONS = 256;

const milliseconds = () =>
  z
    .number('must be a number of milliseconds')
    .check(
      z.refine((n) => Number.isSafeInteger(n) && n >= 0, 'must be a whole number of milliseconds, 0 or more'),
    );

const handlerShape = {
  store: z.custom<LocalServerConfig['store'], LocalServerConfig['store']>(
    (v) => v instanceof LocalObjectStore || typeof v === 'function',
    'must be a LocalObjectStore or a function returning one',
  ),
  secret: z.optional(secretSchema()),
  basePath: z.optional(z.string('must be a path such as "/files/"')),
  servePublic: z.optional(z.boolean('must be true or false')),
  serveActiveContent: z.optional(z.boolean('must be true or false')),
};
const limitsShape = {
  idleTimeoutMs: z.optional(milliseconds()),
  requestTimeoutMs: z.optional(milliseconds()),
  headersTimeoutMs: z.optional(milliseconds()),
  maxConnections: z.optional(positiveInteger()),
};

interface ParsedServerConfig extends Omit<LocalServerListenConfig, 'secret'> {
  secret?: Secret;
}

const handlerSchema = z.strictObject(handlerShape, 'must be an object of settings ({ store, … })');
const serverSchema = z.strictObject(
  { ...handlerShape, ...limitsShape },
  'must be an object of settings ({ store, … })',
);
const listenSchema = z.strictObject(
  {
    ...handlerShape,
    ...limitsShape,
    host: z.optional(z.string('must be a host name or address')),
    port: z.optional(
      z
        .number('must be a port number')
        .check(
          z.refine((n) => Number.isInteger(n) && n >= 0 && n <= 65_535, 'must be a port from 0 to 65535'),
        ),
    ),
  },
  'must be an object of settings ({ store, … })',
);

/** The schemas of the local server's three entry points (handler; server with limits; listening server). */
export const localServerConfigSchemas: {
  handler: z.ZodMiniType<ParsedServerConfig, LocalServerConfig>;
  server: z.ZodMiniType<ParsedServerConfig, LocalServerConfig & LocalServerLimits>;
  listen: z.ZodMiniType<ParsedServerConfig, LocalServerListenConfig>;
} = { handler: handlerSchema, server: serverSchema, listen: listenSchema };

/**
 * The request handler of the local server, to mount in another server: the kit's object
 * server (`createObjectRequestHandler`) over the store, verifying the store's signed URLs.
 * - `GET`/`HEAD /<encoded key>`: public objects (private: 403, missing: 404);
 * - signed GET/HEAD/PUT URLs from `presignGet`/`presignPut`: HMAC checked in constant time,
 *   expiry by the store's clock (tampered or expired: 403); a PUT must carry the signed
 *   Content-Type and stay within the signed `maxSize` (413 at once from Content-Length, or
 *   as the limit is crossed; nothing is stored).
 * Reads honour Range (206/416), If-Range (a changed object gives 200 with all of it),
 * If-None-Match/If-Modified-Since (304) and If-Match/If-Unmodified-Since (412). Every
 * response has `X-Content-Type-Options: nosniff`; HTML, SVG, XML and scripts are sent as
 * attachments. Error bodies are JSON `{ error, message }` naming keys, never paths on disk.
 * @throws ConfigInvalid naming each bad setting.
 */
export function createLocalRequestHandler(config: LocalServerConfig): RequestListener {
  return handlerFor(parseConfig(handlerSchema, config, 'local-server'));
}

/**
 * A `node:http` server running `createLocalRequestHandler`, with the limits applied (not
 * yet listening; `listenLocalServer` also starts it).
 * @throws ConfigInvalid naming each bad setting.
 */
export function createLocalServer(config: LocalServerConfig & LocalServerLimits): Server {
  const parsed = parseConfig(serverSchema, config, 'local-server');
  const server = createServer(handlerFor(parsed));
  // The same limits and defaults as the kit's listenHttp (which creates its own server).
  server.timeout = parsed.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  server.requestTimeout = parsed.requestTimeoutMs ?? 0;
  server.headersTimeout = parsed.headersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS;
  server.keepAliveTimeout = Math.min(5_000, server.timeout || 5_000);
  server.maxConnections = parsed.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  return server;
}

/**
 * Starts the local server on `host` (default 127.0.0.1) and `port` (default 0: any free
 * port) with bounded timeouts and connections, and says where it listens.
 * @throws ConfigInvalid naming each bad setting.
 */
export async function listenLocalServer(config: LocalServerListenConfig): Promise<ListeningLocalServer> {
  const parsed = parseConfig(listenSchema, config, 'local-server');
  const { host, port, idleTimeoutMs, requestTimeoutMs, headersTimeoutMs, maxConnections, basePath } = parsed;
  return listenHttp(handlerFor(parsed), {
    ...(host !== undefined ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(basePath !== undefined ? { basePath } : {}),
    ...(idleTimeoutMs !== undefined ? { idleTimeoutMs } : {}),
    ...(requestTimeoutMs !== undefined ? { requestTimeoutMs } : {}),
    ...(headersTimeoutMs !== undefined ? { headersTimeoutMs } : {}),
    ...(maxConnections !== undefined ? { maxConnections } : {}),
  });
}

function handlerFor(config: ParsedServerConfig): RequestListener {
  const store = typeof config.store === 'function' ? config.store : () => config.store as LocalObjectStore;
  const { secret } = config;
  // A verifier for an explicitly given secret: only its base path matters for verifying.
  let verifier: { basePath: string; signer: UrlSigner } | undefined;
  const signer = (): UrlSigner | undefined => {
    const current = store();
    if (secret === undefined) return current?.urlSigner;
    const basePath = config.basePath ?? current?.urlSigner?.basePath ?? '/';
    if (verifier?.basePath !== basePath) {
      const path = `${basePath.startsWith('/') ? '' : '/'}${basePath}`;
      verifier = { basePath, signer: new UrlSigner({ baseUrl: `http://local.invalid${path}`, secret }) };
    }
    return verifier.signer;
  };
  return createObjectRequestHandler({
    store,
    signer,
    clock: () => store()?.clock,
    ...(config.basePath !== undefined ? { basePath: config.basePath } : {}),
    ...(config.servePublic !== undefined ? { servePublic: config.servePublic } : {}),
    ...(config.serveActiveContent !== undefined ? { serveActiveContent: config.serveActiveContent } : {}),
  });
}
