/**
 * Case 5 of issue 10: database connections terminated while the sweep runs. postgres.js 3.4.9 threw an uncaught
 * TypeError from a setImmediate (porsager/postgres#1154, #1208) and could leave a reconnected session wedged;
 * patches/postgres+3.4.9.patch (applied by patch-package at install) settles such queries with CONNECTION_CLOSED.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { startEmbeddedPostgres } from "@drift/db/embedded";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quietLog, simResolver, startSim } from "../support/pipeline";
import { createFaultDb, type FaultDb } from "./support/fault-db";
import { expectExactQueue, recordScenario, runSweep, seedMovedBranches } from "./support/scenario";

const run = promisify(execFile);
const FIXTURE = fileURLToPath(new URL("./fixtures/closed-in-transaction.ts", import.meta.url));

/** Runs the minimal reproduction in its own process: an uncaught exception there cannot hide in this one. */
async function reproduce(mode: "wire" | "backend", url: string) {
  const { stdout } = await run(process.execPath, ["--import", "tsx", FIXTURE, mode, url], {
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim()) as { transaction: string; after: string[] };
}

let db: FaultDb;
let sim: GitHubSim;
beforeAll(async () => {
  db = await createFaultDb();
  sim = await startSim();
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

describe(`database connections closed under the sweep (${process.env.DATABASE_URL ? "PostgreSQL" : "PGlite"})`, () => {
  it("the installed postgres.js is 3.4.9 with the drift patch (remove the patch once upstream ships a fix)", () => {
    const root = dirname(createRequire(import.meta.url).resolve("postgres")).replace(/\/(cjs\/)?src$/, "");
    expect(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version).toBe("3.4.9");
    for (const file of ["src/connection.js", "cjs/src/connection.js"])
      expect(readFileSync(join(root, file), "utf8")).toContain("drift patch");
  });

  it("minimal reproduction: a session ended inside a transaction rejects CONNECTION_CLOSED, the process lives", async () => {
    // A fresh server of its own (PGlite serves one connection, and this file's pool holds it).
    const own = process.env.DATABASE_URL ? undefined : await startEmbeddedPostgres();
    try {
      // Unpatched, this run dies with "TypeError: Cannot read properties of null (reading 'write')" (most runs).
      for (let i = 0; i < 2; i++) {
        const out = await reproduce("wire", own?.url ?? (process.env.DATABASE_URL as string));
        expect(out.transaction).toBe("CONNECTION_CLOSED");
        expect(out.after.at(-1)).toBe("ok");
        expect(out.after.length).toBeLessThanOrEqual(2);
      }
    } finally {
      await own?.stop();
    }
  });

  it.skipIf(!process.env.DATABASE_URL)(
    "minimal reproduction with pg_terminate_backend (PostgreSQL only: PGlite has no backend to terminate)",
    async () => {
      for (let i = 0; i < 5; i++) {
        const out = await reproduce("backend", process.env.DATABASE_URL as string);
        expect(out.transaction).toBe("CONNECTION_CLOSED");
        expect(out.after.at(-1)).toBe("ok");
      }
    },
  );

  it("sessions terminated every 300 ms while workers run: no crash, failed messages retried, the next sweep is exact", async () => {
    const world = await seedMovedBranches(db.direct, sim, "term", 24);
    let terminations = 0;
    let stop = false;
    let terminator: Promise<void> | undefined;
    const resolver = simResolver(sim);
    const startOnFirstResolve: typeof resolver = {
      ...resolver,
      stats: () => resolver.stats(),
      resolve(requests, signal) {
        terminator ??= (async () => {
          while (!stop) {
            terminations += await db.terminate().catch(() => 0);
            await new Promise((r) => setTimeout(r, 300));
          }
        })();
        return resolver.resolve(requests, signal);
      },
    };
    const faulty = await runSweep(db.sql, {
      resolver: startOnFirstResolve,
      log: quietLog,
      dispatch: { reposPerMessage: 2 },
      queue: { concurrency: 2, maxReceives: 5 },
    }).finally(async () => {
      stop = true;
      await terminator;
    });
    expect(terminations).toBeGreaterThan(0);
    // Whatever the faults cost, the sweep ended in a summary or a clean error, never an uncaught exception.
    expect(["completed", "incomplete", "failed"]).toContain(faulty.status);
    console.log(
      `sessions terminated ${terminations} times: the sweep ended ${faulty.status}${"messages" in faulty ? ` after ${faulty.messages.deliveries} deliveries of ${faulty.messages.sent} messages` : `: ${faulty.error}`}`,
    );

    const recovery = await runSweep(db.sql, { resolver: simResolver(sim), log: quietLog });
    expect(recovery.status).toBe("completed");
    await expectExactQueue(db.direct, world.expected);
    recordScenario({ faults: terminations, expected: world.expected.length });
  });
});
