// The proxy's own timers never keep a process alive: a forgotten proxy must not hang a test run.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => {
    unrefTimer(setTimeout(resolve, ms));
  });
}

export function unrefTimer<T>(timer: T): T {
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
