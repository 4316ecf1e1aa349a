/**
 * Scale: N rows over 4,000 repositories (12,000 targets, 1 in 10 repositories moved upstream), 100 ms of
 * simulated latency per request (W1's host model), each sweep in a fresh process (bench/scale-child.ts): the
 * first sweep on a fresh start (every product table emptied, then seeded: it maps every row and fetches the
 * packets of its drift), then a sweep with nothing changed (maps none), each with the dispatcher's peak RSS.
 * And the dispatcher's worst case: every row its own installed commit (bench/dispatcher-child.ts).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Sql } from "@drift/db";
import { startGitHubSim } from "@drift/github-sim";
import type { SweepSummary } from "@drift/local";
import { round, TOKEN, urlWithSchema } from "./common";
import { buildScaleWorld, freshStart, seedScale, seedUniqueCommits } from "./world";

const CHILD = fileURLToPath(new URL("./scale-child.ts", import.meta.url));
const DISPATCHER_CHILD = fileURLToPath(new URL("./dispatcher-child.ts", import.meta.url));
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
  readonly restRequests: number;
  readonly driftNew: number;
  readonly dispatcherPeakRssMiB: number;
  readonly sweepPeakRssMiB: number;
  readonly baselineRssMiB: number;
}

export interface ScaleResult {
  readonly rows: number;
  readonly latencyMs: number;
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
    graphqlRequests: r.summary.github.graphql.requests,
    restRequests: r.summary.github.rest.requests,
    driftNew: r.summary.drift.new,
    dispatcherPeakRssMiB: round(r.dispatcherPeakRss / MiB, 0),
    sweepPeakRssMiB: round(r.sweepPeakRss / MiB, 0),
    baselineRssMiB: round(r.baselineRss / MiB, 0),
  };
}

export async function benchScale(
  db: { sql: Sql; url: string; schema: string | undefined },
  rows: number,
  latencyMs = 100,
): Promise<ScaleResult> {
  const sim = await startGitHubSim({ token: TOKEN, latencyMs });
  try {
    const installed = buildScaleWorld(sim);
    const t0 = performance.now();
    await freshStart(db.sql, () => seedScale(db.sql, rows, installed));
    const seedMs = round(performance.now() - t0, 0);
    const env = { DATABASE_URL: urlWithSchema(db.url, db.schema), GITHUB_API_URL: sim.url };
    const first = await sweepInChild(env);
    const nothingChanged = await sweepInChild(env);
    return { rows, latencyMs, seedMs, first, nothingChanged };
  } finally {
    await sim.close();
  }
}

/** The dispatcher's worst case: `rows` rows, each with its own installed commit (every value distinct). */
export interface WorstCaseResult {
  readonly rows: number;
  readonly distinctValues: number;
  readonly dispatchMs: number;
  readonly dispatcherPeakRssMiB: number;
  readonly baselineRssMiB: number;
  readonly targets: number;
}

export async function benchDispatcherWorstCase(
  db: { sql: Sql; url: string; schema: string | undefined },
  rows: number,
): Promise<WorstCaseResult> {
  await freshStart(db.sql, () => seedUniqueCommits(db.sql, rows));
  const { stdout } = await run(process.execPath, ["--import", "tsx", DISPATCHER_CHILD], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: urlWithSchema(db.url, db.schema) },
    maxBuffer: 16 * MiB,
  });
  const r = JSON.parse(stdout.trim().split("\n").at(-1) as string) as {
    status: string;
    wallMs: number;
    peakRss: number;
    baselineRss: number;
    targets: number;
  };
  if (r.status !== "dispatched") throw new Error(`worst-case dispatch ${r.status}`);
  return {
    rows,
    distinctValues: rows,
    dispatchMs: round(r.wallMs, 0),
    dispatcherPeakRssMiB: round(r.peakRss / MiB, 0),
    baselineRssMiB: round(r.baselineRss / MiB, 0),
    targets: r.targets,
  };
}
