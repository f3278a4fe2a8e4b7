/**
 * Identical concurrent calls share one run: the first caller starts it, the others wait for
 * its result. Keys are dropped when the run settles; at most `maxKeys` runs are shared at
 * once (past that, calls simply run on their own), so the map cannot grow without bound.
 */
export class SingleFlight<T> {
  private readonly runs = new Map<string, Promise<T>>();
  shared = 0;

  constructor(private readonly maxKeys = 1_000) {}

  run(key: string, work: () => Promise<T>): Promise<T> {
    const running = this.runs.get(key);
    if (running !== undefined) {
      this.shared++;
      return running;
    }
    if (this.runs.size >= this.maxKeys) return work();
    const started = work().finally(() => {
      if (this.runs.get(key) === started) this.runs.delete(key);
    });
    this.runs.set(key, started);
    return started;
  }

  get size(): number {
    return this.runs.size;
  }
}
