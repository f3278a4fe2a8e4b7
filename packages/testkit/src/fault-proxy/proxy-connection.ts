import { connect, type Socket } from 'node:net';
import type { Direction, FaultSettings } from './fault-settings.js';
import { Pipe } from './pipe.js';
import { sleep, unrefTimer } from './timers.js';

/** What a connection needs from its proxy. */
export interface ConnectionHost {
  readonly target: { host: string; port: number };
  faults(): Readonly<FaultSettings>;
  forwarded(direction: Direction, bytes: number): void;
  swallowed(bytes: number): void;
  /** Consumes one firing of a byte-budget fault; false when it is no longer armed. */
  claim(fault: 'cut' | 'reset'): boolean;
  /** Counts a fault outcome in the proxy's stats. */
  note(event: 'refused' | 'failed' | 'blackholed' | 'cut' | 'reset' | 'upstreamError'): void;
  /** Consumes one pending `failConnections`; false when none is left. */
  takeFailure(): boolean;
  closed(connection: ProxyConnection): void;
}

// After one side has closed, the other gets this long to finish on its own before it is destroyed.
const LINGER_MS = 2_000;

/** RST if the socket is still open; never throws. */
export function resetSocket(socket: Socket | undefined): void {
  if (socket === undefined || socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

/** One accepted client connection and (unless refused or blackholed) its upstream twin. */
export class ProxyConnection {
  private upstream: Socket | undefined;
  private pipes: Pipe[] = [];
  /** Set once the connection is being torn down on purpose or by an error: no more forwarding. */
  private ending = false;
  private finished = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly closedPromise: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    private readonly host: ConnectionHost,
    readonly client: Socket,
  ) {
    this.closedPromise = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  /** Resolves once both sockets are closed. */
  get whenClosed(): Promise<void> {
    return this.closedPromise;
  }

  get held(): number {
    return this.pipes.reduce((sum, p) => sum + p.held, 0);
  }

  rearm(fault: 'cut' | 'reset'): void {
    for (const p of this.pipes) p.rearm(fault);
  }

  start(): void {
    const client = this.client;
    client.setNoDelay(true);
    client.on('error', () => this.abort(client));
    client.on('close', () => this.onSocketClose());
    const f = this.host.faults();
    if (f.refuse === true) {
      this.host.note('refused');
      this.ending = true;
      resetSocket(client);
      return;
    }
    if (this.host.takeFailure()) {
      this.host.note('failed');
      this.ending = true;
      resetSocket(client);
      return;
    }
    if (f.blackhole === true) {
      this.host.note('blackholed');
      this.ending = true;
      client.on('data', (chunk: Buffer) => this.host.swallowed(chunk.length)); // read and discard, never answer
      client.on('end', () => client.end());
      return;
    }
    const delay = f.latencyPer === 'connection' ? (f.latencyMs ?? 0) : 0;
    if (delay > 0) void sleep(delay).then(() => this.connectUpstream());
    else this.connectUpstream();
  }

  /** FIN both sides (in-flight bytes are dropped); resolves when both are closed. */
  end(): Promise<void> {
    this.teardown('end');
    return this.closedPromise;
  }

  /** Closes both sockets at once. */
  destroy(): void {
    this.ending = true;
    for (const p of this.pipes) p.stop();
    this.client.destroy();
    this.upstream?.destroy();
  }

  private connectUpstream(): void {
    if (this.ending || this.client.destroyed) return;
    const { host, port } = this.host.target;
    const upstream = connect({ host, port, allowHalfOpen: true });
    this.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => {
      // Before the pipes exist the real server was not reachable: the client gets a reset.
      if (this.pipes.length === 0) this.host.note('upstreamError');
      this.abort(upstream);
    });
    upstream.on('close', () => this.onSocketClose());
    upstream.once('connect', () => {
      if (this.ending) {
        upstream.destroy();
        return;
      }
      const pipeHost = {
        faults: () => this.host.faults(),
        forwarded: (direction: Direction, bytes: number) => this.host.forwarded(direction, bytes),
        swallowed: (bytes: number) => this.host.swallowed(bytes),
        fire: (fault: 'cut' | 'reset') => this.fire(fault),
      };
      this.pipes = [
        new Pipe('upstream', this.client, upstream, pipeHost),
        new Pipe('downstream', upstream, this.client, pipeHost),
      ];
    });
  }

  /** True when the pipe must stop: the fault fired, or the connection is going away anyway. */
  private fire(fault: 'cut' | 'reset'): boolean {
    if (this.ending) return true;
    if (!this.host.claim(fault)) return false;
    this.host.note(fault);
    this.teardown(fault === 'cut' ? 'end' : 'reset');
    return true;
  }

  private teardown(how: 'end' | 'reset'): void {
    if (this.ending && how === 'end') return;
    this.ending = true;
    for (const p of this.pipes) p.stop();
    if (how === 'reset') {
      resetSocket(this.client);
      resetSocket(this.upstream);
      return;
    }
    for (const s of [this.client, this.upstream]) {
      if (s !== undefined && !s.destroyed) {
        s.resume();
        s.end();
      }
    }
    this.linger();
  }

  /** A socket failed (usually a reset by its peer): pass the reset on to the other side. */
  private abort(from: Socket): void {
    if (this.finished) return;
    this.ending = true;
    for (const p of this.pipes) p.stop();
    for (const s of [this.client, this.upstream]) if (s !== from) resetSocket(s);
    from.destroy();
  }

  private onSocketClose(): void {
    if (this.client.destroyed && this.pipes.length === 0) this.upstream?.destroy();
    const upstreamOpen = this.upstream !== undefined && !this.upstream.destroyed;
    if (this.client.destroyed && !upstreamOpen) {
      this.finish();
      return;
    }
    // One side is gone; the other normally follows through the FIN the pipes pass on.
    this.linger();
  }

  private linger(): void {
    if (this.lingerTimer !== undefined || this.finished) return;
    const tick = (): void => {
      this.lingerTimer = undefined;
      if (this.finished) return;
      if (!this.ending && this.pipes.some((p) => p.busy)) {
        this.lingerTimer = unrefTimer(setTimeout(tick, LINGER_MS));
        return;
      }
      this.destroy();
    };
    this.lingerTimer = unrefTimer(setTimeout(tick, LINGER_MS));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.ending = true;
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.host.closed(this);
    this.resolveClosed();
  }
}
