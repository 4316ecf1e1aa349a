/**
 * One sweep in a process of its own, for `bench/scale.ts`: `node --import tsx bench/scale-child.ts` with
 * DATABASE_URL and GITHUB_API_URL set. Samples this process's RSS every 10 ms and prints one JSON line: the
 * sweep's summary, the peak RSS while the dispatcher ran (the sweep's start until its dispatch returned), the
 * peak over the whole sweep, and the RSS before the sweep (Node, modules and the TypeScript loader).
 */
import { createSql } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { POSTGRES_POOL, runLocalSweep } from "@drift/local";
import { quiet, TOKEN } from "./common";

const samples: { t: number; rss: number }[] = [];
const sample = () => samples.push({ t: performance.now(), rss: process.memoryUsage.rss() });
// The pool `drift sweep` opens on DATABASE_URL (packages/local/src/database.ts).
const sql = createSql({ url: process.env.DATABASE_URL as string, max: POSTGRES_POOL });
const resolver = createHostResolver({
  githubApiUrl: process.env.GITHUB_API_URL as string,
  auth: { token: TOKEN },
  logger: quiet,
});
const baseline = process.memoryUsage.rss();
const timer = setInterval(sample, 10);
const started = performance.now();
const summary = await runLocalSweep({ sql, resolver, log: quiet });
sample();
clearInterval(timer);
const peak = (until: number) => Math.max(...samples.filter((s) => s.t <= until).map((s) => s.rss), baseline);
console.log(
  JSON.stringify({
    summary,
    baselineRss: baseline,
    dispatcherPeakRss: peak(started + summary.dispatchMs),
    sweepPeakRss: peak(Number.POSITIVE_INFINITY),
  }),
);
await sql.end();
