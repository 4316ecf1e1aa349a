/**
 * Runs `run` every `everyMs` for `drift serve` (the notification loop, the rollout tick): runs never overlap (a
 * beat while one is in progress is skipped), the timer does not keep the process alive, and `stop` waits for the
 * run in progress.
 */
export function startPeriodic(run: () => Promise<unknown>, everyMs: number): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    running = run().finally(() => {
      busy = false;
    });
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
