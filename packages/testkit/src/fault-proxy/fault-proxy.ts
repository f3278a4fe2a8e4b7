import { createServer, type Server, type Socket } from 'node:net';
import { type Direction, type FaultSettings, validateFaultSettings } from './fault-settings.js';
import { type ConnectionHost, ProxyConnection, resetSocket } from './proxy-connection.js';
import { unrefTimer } from './timers.js';

export interface FaultProxyOptions {
  /** The real server. */
  target: { host: string; port: number };
  /** Faults in force from the first connection. */
  faults?: FaultSettings;
  /** Connections beyond this many at once are reset on accept (counted as `rejected`). Default 256. */
  maxConnections?: number;
  /** The proxy closes itself this long after it started, so a forgotten one cannot linger. Default 10 minutes. */
  maxLifetimeMs?: number;
}

/** Counters since the proxy started. */
export interface FaultProxyStats {
  /** Connections accepted (including refused, failed and blackholed ones). */
  connections: number;
  /** Connections open now. */
  active: number;
  /** Bytes forwarded client → server. */
  bytesUp: number;
  /** Bytes forwarded server → client. */
  bytesDown: number;
  /** Bytes read and thrown away while `blackhole` was on. */
  blackholedBytes: number;
  /** Bytes read but held back by latency or throttling. */
  heldBytes: number;
  /** Connections reset on accept because `refuse` was on. */
  refused: number;
  /** Connections reset on accept by `failConnections`. */
  failed: number;
  /** Connections accepted and never answered. */
  blackholed: number;
  /** Connections closed by `cutAfterBytes`. */
  cuts: number;
  /** Connections reset by `resetAfterBytes`. */
  resets: number;
  /** Connections whose upstream connect failed (passed on to the client as a reset). */
  upstreamErrors: number;
  /** Connections reset because `maxConnections` were open. */
  rejected: number;
}

type Counter = Exclude<keyof FaultProxyStats, 'active' | 'heldBytes'>;

const EVENT_COUNTER: Record<Parameters<ConnectionHost['note']>[0], Counter> = {
  refused: 'refused',
  failed: 'failed',
  blackholed: 'blackholed',
  cut: 'cuts',
  reset: 'resets',
  upstreamError: 'upstreamErrors',
};

const DEFAULT_MAX_CONNECTIONS = 256;
const DEFAULT_MAX_LIFETIME_MS = 10 * 60 * 1000;

function cloneFaults(f: FaultSettings): FaultSettings {
  const copy: FaultSettings = { ...f };
  if (f.cutAfterBytes !== undefined) copy.cutAfterBytes = { ...f.cutAfterBytes };
  if (f.resetAfterBytes !== undefined) copy.resetAfterBytes = { ...f.resetAfterBytes };
  return copy;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a real server that injects network faults: latency,
 * throttling, truncated (FIN) or reset (RST) connections after N bytes in either direction,
 * refused, failing and blackholed connections. Faults switch at runtime with `set()`.
 *
 * ```ts
 * const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port } });
 * proxy.set({ cutAfterBytes: { downstream: 4096 } }); // responses end after 4 KiB
 * ```
 */
export class FaultProxy implements AsyncDisposable {
  readonly host = '127.0.0.1';
  readonly target: { host: string; port: number };
  private settings: FaultSettings = {};
  private remaining = { cut: Number.POSITIVE_INFINITY, reset: Number.POSITIVE_INFINITY };
  private readonly counters: Record<Counter, number> = {
    connections: 0,
    bytesUp: 0,
    bytesDown: 0,
    blackholedBytes: 0,
    refused: 0,
    failed: 0,
    blackholed: 0,
    cuts: 0,
    resets: 0,
    upstreamErrors: 0,
    rejected: 0,
  };
  private readonly connections = new Set<ProxyConnection>();
  private readonly maxConnections: number;
  private readonly lifetimeTimer: NodeJS.Timeout;
  private closing: Promise<void> | undefined;
  private readonly connectionHost: ConnectionHost;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    options: FaultProxyOptions,
  ) {
    this.target = { ...options.target };
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    if (options.faults !== undefined) this.set(options.faults);
    this.lifetimeTimer = unrefTimer(
      setTimeout(() => void this.close(), options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS),
    );
    this.connectionHost = {
      target: this.target,
      faults: () => this.settings,
      forwarded: (direction: Direction, bytes: number) => {
        if (direction === 'upstream') this.counters.bytesUp += bytes;
        else this.counters.bytesDown += bytes;
      },
      swallowed: (bytes: number) => {
        this.counters.blackholedBytes += bytes;
      },
      claim: (fault) => this.claim(fault),
      note: (event) => {
        this.counters[EVENT_COUNTER[event]] += 1;
      },
      takeFailure: () => {
        const n = this.settings.failConnections ?? 0;
        if (n <= 0) return false;
        if (n === 1) delete this.settings.failConnections;
        else this.settings.failConnections = n - 1;
        return true;
      },
      closed: (c) => this.connections.delete(c),
    };
    server.on('connection', (socket: Socket) => this.accept(socket));
    // Accept failures (e.g. EMFILE) must not crash the test process; the client sees its connect fail.
    server.on('error', () => {});
  }

  /**
   * Listens on 127.0.0.1 (an ephemeral port) and forwards to `target`.
   * @throws RangeError for a bad target, option or fault setting.
   */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const { target } = options;
    if (typeof target?.host !== 'string' || target.host === '') {
      throw new RangeError('FaultProxy: target.host must be a non-empty string');
    }
    if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
      throw new RangeError(
        `FaultProxy: target.port must be an integer in 1..65535 (got ${String(target.port)})`,
      );
    }
    const { maxConnections, maxLifetimeMs } = options;
    if (maxConnections !== undefined && !(Number.isInteger(maxConnections) && maxConnections > 0)) {
      throw new RangeError(
        `FaultProxy: maxConnections must be a positive integer (got ${String(maxConnections)})`,
      );
    }
    if (maxLifetimeMs !== undefined && !(Number.isFinite(maxLifetimeMs) && maxLifetimeMs > 0)) {
      throw new RangeError(
        `FaultProxy: maxLifetimeMs must be a positive number (got ${String(maxLifetimeMs)})`,
      );
    }
    if (options.faults !== undefined) validateFaultSettings(options.faults);
    // allowHalfOpen: a client's FIN is passed on upstream while the response still flows back.
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: false });
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        if (address === null || typeof address === 'string') reject(new Error('FaultProxy: no TCP address'));
        else resolve(address.port);
      });
    });
    return new FaultProxy(server, port, options);
  }

  /** `http://127.0.0.1:<port>`, for an SDK endpoint. */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** A copy of the faults in force. */
  get faults(): FaultSettings {
    return cloneFaults(this.settings);
  }

  get stats(): FaultProxyStats {
    let held = 0;
    for (const c of this.connections) held += c.held;
    return { ...this.counters, active: this.connections.size, heldBytes: held };
  }

  /**
   * Merges a patch into the faults in force; a field set to `undefined` is cleared. Setting
   * `cutAfterBytes` or `resetAfterBytes` (re)starts their byte counts on open connections.
   * @throws RangeError naming a bad setting (nothing is changed then).
   */
  set(patch: FaultSettings): void {
    validateFaultSettings(patch);
    const next = cloneFaults(this.settings);
    for (const [name, value] of Object.entries(cloneFaults(patch)) as Array<[keyof FaultSettings, unknown]>) {
      if (value === undefined) delete next[name];
      else (next as Record<string, unknown>)[name] = value;
    }
    if (next.failConnections === 0) delete next.failConnections;
    this.settings = next;
    if ('cutAfterBytes' in patch) {
      this.remaining.cut = patch.cutAfterBytes?.times ?? Number.POSITIVE_INFINITY;
      for (const c of this.connections) c.rearm('cut');
    }
    if ('resetAfterBytes' in patch) {
      this.remaining.reset = patch.resetAfterBytes?.times ?? Number.POSITIVE_INFINITY;
      for (const c of this.connections) c.rearm('reset');
    }
  }

  /** Clears every fault: the proxy forwards faithfully again. */
  clear(): void {
    this.settings = {};
    this.remaining = { cut: Number.POSITIVE_INFINITY, reset: Number.POSITIVE_INFINITY };
  }

  /**
   * Closes every open connection with a FIN (bytes in flight are dropped), e.g. so that a
   * client's keep-alive pool has to open new connections; resolves when they are all closed.
   */
  async dropConnections(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.end()));
  }

  /** Stops listening and destroys every connection. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      clearTimeout(this.lifetimeTimer);
      for (const c of this.connections) c.destroy();
      this.server.close(() => resolve());
    });
    return this.closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private accept(socket: Socket): void {
    this.counters.connections += 1;
    if (this.closing !== undefined || this.connections.size >= this.maxConnections) {
      this.counters.rejected += 1;
      socket.on('error', () => {});
      resetSocket(socket);
      return;
    }
    const connection = new ProxyConnection(this.connectionHost, socket);
    this.connections.add(connection);
    connection.start();
  }

  private claim(fault: 'cut' | 'reset'): boolean {
    const key = fault === 'cut' ? 'cutAfterBytes' : 'resetAfterBytes';
    if (this.settings[key] === undefined) return false;
    this.remaining[fault] -= 1;
    if (this.remaining[fault] <= 0) {
      const next = cloneFaults(this.settings);
      delete next[key];
      this.settings = next;
    }
    return true;
  }
}
