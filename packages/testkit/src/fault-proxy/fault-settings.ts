/** Which way bytes travel: `upstream` is client → server (requests), `downstream` server → client (responses). */
export type Direction = 'upstream' | 'downstream';

/**
 * A byte budget per direction. The fault fires once that many bytes have been forwarded in
 * that direction on one connection, counted from the later of the connection's start and the
 * `set()` call that configured the budget (so a keep-alive connection that already carried
 * traffic is not hit at once).
 */
export interface ByteBudget {
  upstream?: number;
  downstream?: number;
  /** Fire at most this many times across all connections, then disarm itself. Default: every time. */
  times?: number;
}

/** The faults a {@link FaultProxy} applies; every field is optional and switchable at runtime. */
export interface FaultSettings {
  /** Delay, in ms. Per chunk (default): each chunk is forwarded this long after it arrived. */
  latencyMs?: number;
  /** `chunk`: every chunk in both directions is delayed. `connection`: the upstream connect is delayed once. */
  latencyPer?: 'chunk' | 'connection';
  /** Throttle each direction of each connection to this many bytes per second. */
  bandwidthBytesPerSec?: number;
  /** Forward exactly N bytes in that direction, then close both sides cleanly (FIN): a truncated message. */
  cutAfterBytes?: ByteBudget;
  /** Forward N bytes in that direction, then reset both sides (RST via `socket.resetAndDestroy()`). */
  resetAfterBytes?: ByteBudget;
  /** New connections are accepted and reset at once (existing ones are left alone; see `dropConnections`). */
  refuse?: boolean;
  /**
   * New connections are accepted and never answered; bytes on existing connections are swallowed
   * in both directions while this is on. For timeout tests.
   */
  blackhole?: boolean;
  /** The next N new connections are accepted and reset at once; the counter goes down as they fail. */
  failConnections?: number;
}

function check(ok: boolean, name: string, rule: string, value: unknown): void {
  if (!ok) throw new RangeError(`FaultProxy: ${name} must be ${rule} (got ${String(value)})`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function checkBudget(name: string, budget: ByteBudget | undefined): void {
  if (budget === undefined) return;
  check(typeof budget === 'object' && budget !== null, name, 'an object', budget);
  for (const dir of ['upstream', 'downstream'] as const) {
    const n = budget[dir];
    if (n !== undefined) check(isCount(n), `${name}.${dir}`, 'a non-negative integer', n);
  }
  check(
    budget.upstream !== undefined || budget.downstream !== undefined,
    name,
    'given for upstream and/or downstream',
    JSON.stringify(budget),
  );
  if (budget.times !== undefined)
    check(isCount(budget.times) && budget.times > 0, `${name}.times`, 'a positive integer', budget.times);
}

/**
 * Validates a patch of fault settings.
 * @throws RangeError naming the bad setting.
 */
export function validateFaultSettings(patch: FaultSettings): void {
  check(typeof patch === 'object' && patch !== null, 'faults', 'an object', patch);
  const known = new Set([
    'latencyMs',
    'latencyPer',
    'bandwidthBytesPerSec',
    'cutAfterBytes',
    'resetAfterBytes',
    'refuse',
    'blackhole',
    'failConnections',
  ]);
  for (const name of Object.keys(patch)) check(known.has(name), name, 'a known fault', name);
  const { latencyMs, latencyPer, bandwidthBytesPerSec, refuse, blackhole, failConnections } = patch;
  if (latencyMs !== undefined) {
    check(
      typeof latencyMs === 'number' && Number.isFinite(latencyMs) && latencyMs >= 0,
      'latencyMs',
      'a finite number >= 0',
      latencyMs,
    );
  }
  if (latencyPer !== undefined)
    check(
      latencyPer === 'chunk' || latencyPer === 'connection',
      'latencyPer',
      "'chunk' or 'connection'",
      latencyPer,
    );
  if (bandwidthBytesPerSec !== undefined) {
    check(
      typeof bandwidthBytesPerSec === 'number' &&
        Number.isFinite(bandwidthBytesPerSec) &&
        bandwidthBytesPerSec > 0,
      'bandwidthBytesPerSec',
      'a finite number > 0',
      bandwidthBytesPerSec,
    );
  }
  checkBudget('cutAfterBytes', patch.cutAfterBytes);
  checkBudget('resetAfterBytes', patch.resetAfterBytes);
  if (refuse !== undefined) check(typeof refuse === 'boolean', 'refuse', 'a boolean', refuse);
  if (blackhole !== undefined) check(typeof blackhole === 'boolean', 'blackhole', 'a boolean', blackhole);
  if (failConnections !== undefined)
    check(isCount(failConnections), 'failConnections', 'a non-negative integer', failConnections);
}
