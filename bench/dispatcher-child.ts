/**
 * The dispatcher alone in a process of its own, for `bench/scale.ts`'s worst case: `node --import tsx
 * bench/dispatcher-child.ts` with DATABASE_URL set. Runs the Lambda's dispatcher handler over the PostgreSQL
 * sweep store (the queue replaced by a counter), samples this process's RSS every 10 ms and prints one JSON line:
 * wall time, peak RSS, the RSS before it started, targets and messages.
 */
import { createDispatcherHandler } from "@drift/aws/handlers";
import type { SweepMessage } from "@drift/core";
import { createSql, createSweepStore } from "@drift/db";
import { quiet } from "./common";

const sql = createSql({ url: process.env.DATABASE_URL as string, max: 1 });
let messages = 0;
let targets = 0;
const handler = createDispatcherHandler({
  store: createSweepStore(sql),
  queue: {
    async send(batch: readonly SweepMessage[]) {
      messages += batch.length;
      for (const m of batch) targets += m.targets.length;
    },
  },
  metrics: { sink: { add() {} }, flush() {} },
  log: quiet,
  config: { minIntervalMs: 0 },
});
const baseline = process.memoryUsage.rss();
let peak = baseline;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
}, 10);
const t0 = performance.now();
const result = await handler({});
const wallMs = performance.now() - t0;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage.rss());
console.log(
  JSON.stringify({ status: result.status, wallMs, peakRss: peak, baselineRss: baseline, targets, messages }),
);
await sql.end();
