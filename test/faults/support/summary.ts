/**
 * vitest global setup: gives the fault test files a directory for their tallies (see ./scenario.ts) and, once
 * every file has run, prints the suite's one-line summary. Any lost, invented or duplicated drift, or any 5xx,
 * has already failed its test; the line makes the totals visible in CI's log.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import type { FaultTally } from "./scenario";

declare module "vitest" {
  export interface ProvidedContext {
    faultTallyDir: string;
  }
}

export default function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), "drift-fault-tally-"));
  project.provide("faultTallyDir", dir);
  return () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    if (files.length > 0) {
      const sum: FaultTally = {
        scenarios: 0,
        faults: 0,
        hostileInputs: 0,
        driftsExpected: 0,
        lost: 0,
        invented: 0,
        duplicated: 0,
        answered5xx: 0,
      };
      for (const f of files) {
        const t = JSON.parse(readFileSync(join(dir, f), "utf8")) as FaultTally;
        for (const k of Object.keys(sum) as (keyof FaultTally)[]) sum[k] += t[k];
      }
      const db = process.env.DATABASE_URL ? "PostgreSQL behind PgBouncer" : "PGlite";
      console.log(
        `\nfault suite (${db}): ${sum.scenarios} scenarios, ${sum.faults} faults injected, ` +
          `${sum.hostileInputs} hostile inputs, ${sum.driftsExpected} drifts expected; ` +
          `${sum.lost} drifts lost, ${sum.invented} invented, ${sum.duplicated} duplicated, ` +
          `${sum.answered5xx} requests answered with a 5xx\n`,
      );
    }
    rmSync(dir, { recursive: true, force: true });
  };
}
