/**
 * Scale: N rows over 4,000 repositories (12,000 targets, 1 in 10 repositories moved upstream, no latency), each
 * sweep in a fresh process (bench/scale-child.ts): the first sweep (maps every row), then a sweep with nothing
 * changed (maps none), each with the dispatcher's peak RSS.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Sql } from "@drift/db";
import { startGitHubSim } from "@drift/github-sim";
import type { SweepSummary } from "@drift/local";
import { round, TOKEN, urlWithSchema } from "./common";
import { buildScaleWorld, seedScale } from "./world";

const CHILD = fileURLToPath(new URL("./scale-child.ts", import.meta.url));
const run = promisify(execFile);
const MiB = 2 ** 20;

export interface SweepRun {
  /** Wall time inside the sweep (the summary's durationMs), of which the dispatcher. */
  readonly sweepMs: number;
  readonly dispatchMs: number;
  readonly rowsMapped: number;
  readonly targets: number;
  readonly messages: number;
  readonly graphqlRequests: number;
  readonly driftNew: number;
  readonly dispatcherPeakRssMiB: number;
  readonly sweepPeakRssMiB: number;
  readonly baselineRssMiB: number;
}

export interface ScaleResult {
  readonly rows: number;
  readonly seedMs: number;
  readonly first: SweepRun;
  readonly nothingChanged: SweepRun;
}

async function sweepInChild(env: NodeJS.ProcessEnv): Promise<SweepRun> {
  const { stdout } = await run(process.execPath, ["--import", "tsx", CHILD], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    maxBuffer: 16 * MiB,
  });
  const r = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
    summary: SweepSummary;
    baselineRss: number;
    dispatcherPeakRss: number;
    sweepPeakRss: number;
  };
  if (r.summary.status !== "completed") throw new Error(`scale sweep ${r.summary.status}`);
  return {
    sweepMs: r.summary.durationMs,
    dispatchMs: r.summary.dispatchMs,
    rowsMapped: r.summary.rows.mapped,
    targets: r.summary.targets.dispatched,
    messages: r.summary.messages.sent,
    graphqlRequests: r.summary.github.requests,
    driftNew: r.summary.drift.new,
    dispatcherPeakRssMiB: round(r.dispatcherPeakRss / MiB, 0),
    sweepPeakRssMiB: round(r.sweepPeakRss / MiB, 0),
    baselineRssMiB: round(r.baselineRss / MiB, 0),
  };
}

export async function benchScale(
  db: { sql: Sql; url: string; schema: string | undefined },
  rows: number,
): Promise<ScaleResult> {
  const sim = await startGitHubSim({ token: TOKEN });
  try {
    const installed = buildScaleWorld(sim);
    const t0 = performance.now();
    await seedScale(db.sql, rows, installed);
    const seedMs = round(performance.now() - t0, 0);
    const env = { DATABASE_URL: urlWithSchema(db.url, db.schema), GITHUB_API_URL: sim.url };
    const first = await sweepInChild(env);
    const nothingChanged = await sweepInChild(env);
    return { rows, seedMs, first, nothingChanged };
  } finally {
    await sim.close();
  }
}
