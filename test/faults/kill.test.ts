/**
 * `drift sweep` killed (SIGKILL) at random points, as a crash or an OOM would, then recovered: the queue ends
 * exactly as one clean sweep would leave it. And case 4 of issue 10: a sweep killed while dispatching names
 * itself and its age, and `--takeover` takes over at once.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Sql } from "@drift/db";
import type { GitHubSim } from "@drift/github-sim";
import { openDatabase } from "@drift/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, TOKEN } from "../support/pipeline";
import { createFaultDb, type FaultDb } from "./support/fault-db";
import { expectExactQueue, recordScenario, seedMovedBranches } from "./support/scenario";

const DRIFT_BIN = fileURLToPath(new URL("../../packages/local/bin/drift.mjs", import.meta.url));

/** The database a `drift` subprocess uses: PostgreSQL behind PgBouncer, or its own embedded PGlite on disk. */
interface CliDb {
  readonly env: NodeJS.ProcessEnv;
  withSql<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function cliDb(): Promise<CliDb> {
  if (process.env.DATABASE_URL) {
    const db: FaultDb = await createFaultDb();
    return { env: { DATABASE_URL: db.url }, withSql: (fn) => fn(db.direct), close: () => db.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), "drift-kill-"));
  const env = { DRIFT_DATA_DIR: dir };
  return {
    env,
    async withSql(fn) {
      const db = await openDatabase({ env });
      try {
        return await fn(db.sql);
      } finally {
        await db.close();
      }
    },
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `drift ARGS`; with `killAfterMs`, SIGKILLs it then (if it is still running). */
function drift(args: string[], env: NodeJS.ProcessEnv, killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [DRIFT_BIN, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += String(d)));
    child.stderr.on("data", (d) => (stderr += String(d)));
    const timer =
      killAfterMs === undefined ? undefined : setTimeout(() => child.kill("SIGKILL"), killAfterMs);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

let db: CliDb;
let sim: GitHubSim;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  db = await cliDb();
  sim = await startSim();
  env = { ...db.env, GITHUB_API_URL: sim.url, GITHUB_TOKEN: TOKEN };
  // Applies the migrations in the subprocess's own way (PGlite on disk is created by the CLI).
  expect((await drift(["migrate"], env)).code).toBe(0);
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

describe(`drift sweep killed at random points (${process.env.DATABASE_URL ? "PostgreSQL behind PgBouncer" : "PGlite"})`, () => {
  it("SIGKILLs during dispatch and work, then a recovery sweep: the exact queue", async () => {
    const world = await db.withSql((sql) => seedMovedBranches(sql, sim, "kill", 150));
    // Deterministic "random" points (seeded), spread over start-up, dispatch and workers.
    let seed = 20261201;
    const next = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    let kills = 0;
    for (let i = 0; i < 4; i++) {
      // From 150 ms (the process still starting) to 1.65 s: on a quiet machine a sweep of this world takes under
      // a second, so later points would all miss it.
      const run = await drift(["sweep", "--json", "--takeover"], env, 150 + Math.floor(next() * 1500));
      if (run.signal === "SIGKILL") kills += 1;
      else expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/TypeError|Uncaught/);
    }
    // A run that always finished before its kill would test nothing: at least one kill must land.
    expect(kills, "no SIGKILL landed: every sweep finished before its kill time").toBeGreaterThanOrEqual(1);
    const recovery = await drift(["sweep", "--json", "--takeover"], env);
    expect(recovery.code, recovery.stderr).toBe(0);
    expect(JSON.parse(recovery.stdout)).toMatchObject({ status: "completed" });
    await db.withSql((sql) => expectExactQueue(sql, world.expected));
    recordScenario({ faults: kills, expected: world.expected.length });
  });

  it("case 4: a sweep killed while dispatching is named with its age; --takeover takes over at once", async () => {
    // A dispatcher that died right after starting its sweep (no heartbeat since).
    const dead = await db.withSql(async (sql) => {
      const [row] = await sql<{ id: string }[]>`
        INSERT INTO drift_sweeps (trigger, started_at, heartbeat_at)
        VALUES ('cli', now() - interval '40 seconds', now() - interval '40 seconds') RETURNING id`;
      return row?.id as string;
    });
    const refused = await drift(["sweep", "--json"], env);
    expect(refused.code).toBe(1);
    const summary = JSON.parse(refused.stdout);
    expect(summary).toMatchObject({ status: "skipped", sweepId: dead });
    expect(summary.reason).toMatch(new RegExp(`another sweep \\(${dead}\\) has been dispatching for 4\\d s`));
    expect(refused.stderr).toContain("--takeover");

    const taken = await drift(["sweep", "--json", "--takeover"], env);
    expect(taken.code, taken.stderr).toBe(0);
    expect(JSON.parse(taken.stdout)).toMatchObject({ status: "completed" });
    const [old] = await db.withSql((sql) => sql`SELECT status FROM drift_sweeps WHERE id = ${dead}`);
    expect(old?.status).toBe("abandoned");

    // Silent for longer than the heartbeat limit (2 min): dead for sure, taken over without being asked.
    const silent = await db.withSql(async (sql) => {
      const [row] = await sql<{ id: string }[]>`
        INSERT INTO drift_sweeps (trigger, started_at, heartbeat_at)
        VALUES ('schedule', now() - interval '10 minutes', now() - interval '3 minutes') RETURNING id`;
      return row?.id as string;
    });
    const next = await drift(["sweep", "--json"], env);
    expect(next.code, next.stderr).toBe(0);
    const [gone] = await db.withSql(
      (sql) => sql`SELECT status, error FROM drift_sweeps WHERE id = ${silent}`,
    );
    expect(gone).toEqual({ status: "abandoned", error: "dispatcher died (no heartbeat)" });
    recordScenario({ faults: 2 });
  });
});
