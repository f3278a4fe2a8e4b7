/** One named rollout's percentage, versioned: every change increments `version`. */
export interface RolloutSnapshot {
  name: string;
  /** 0–100: the share of keys routed to the rollout's `to` side. */
  percentage: number;
  version: number;
  updatedAt: Date;
}

/**
 * The current percentage of named hybrid rollouts, shared by every process that uses the
 * same implementation (PostgreSQL for a fleet, memory for one process). A change made by
 * one process reaches every watcher within a bounded delay.
 */
export interface RolloutState {
  /** The rollout, or null when it was never set. */
  get(name: string): Promise<RolloutSnapshot | null>;
  /**
   * Sets the percentage. With `expectedVersion` (0: must not exist yet) it is a
   * compare-and-swap, so two controllers cannot overwrite each other unseen.
   * @throws InvalidInput for a percentage outside 0–100 or a bad name.
   * @throws Conflict when `expectedVersion` does not match.
   */
  set(name: string, percentage: number, options?: { expectedVersion?: number }): Promise<RolloutSnapshot>;
  /**
   * Calls `listener` with the current snapshot (once known) and with every later change, in
   * version order, never twice for one version. Returns the function that stops watching.
   */
  watch(name: string, listener: (snapshot: RolloutSnapshot) => void): () => void;
  /** Stops watching and releases connections. */
  close(): Promise<void>;
}
