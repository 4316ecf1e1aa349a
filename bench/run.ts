/**
 * `npm run bench`: the numbers the product is sold on, measured in one run on this machine, written to
 * bench/results.json (the README's "What it costs" quotes that file) and printed as a table.
 *
 *   - CLI start: `drift --help` (the built bin), median of 10 processes.
 *   - W1: 10,000 rows, 1,000 targets on 400 repositories, 10% drifted, 100 ms simulated latency per GitHub
 *     request: the whole `drift sweep --json` process, median of 5 first sweeps, each on a fresh start (every
 *     product table emptied: sweeps, queue, review packets, ledger, first sightings; then seeded), every run
 *     listed; the original algorithm (one lookup per row in turn) timed on a sample and scaled; the network
 *     floor; their ratios.
 *   - Scale: 100,000 and 1,000,000 rows (12,000 targets on 4,000 repositories) at the same 100 ms per request:
 *     first sweep on a fresh start, nothing-changed sweep, the dispatcher's peak RSS (each sweep in a fresh
 *     process); the dispatcher's worst case (1,000,000 rows, each its own installed commit).
 *   - Lambda: bundle sizes and module init times.
 *
 *   - Webhook detection latency (issue 13): push to pending row.
 *   - Review packets (issue 11): the requests and points they add per 1,000 drifted targets.
 *
 * Then README.md's "What it costs" block is rendered from the file (bench/readme-figures.ts). The file records
 * the commit measured and the load average before and after (the machine may be shared).
 *
 * `npm run bench -- --quick` skips the 1,000,000-row run. Needs DATABASE_URL (PostgreSQL; an isolated schema is
 * created and dropped): the measured `drift` processes connect to it themselves.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { buildCli } from "../scripts/build-cli";
import { createTestDb } from "../test/support/db";
import { median, quiet, round, timeDrift, timeProcess } from "./common";
import { benchLambda } from "./lambda";
import { packetCost } from "./packet-cost";
import { RESULTS_FILE as RESULTS, updateReadme } from "./readme-figures";
import { benchDispatcherWorstCase, benchScale, type ScaleResult } from "./scale";
import { benchW1 } from "./w1";
import { webhookLatency } from "./webhook-latency";

const quick = process.argv.includes("--quick");

/** The targets of issue 14, beside the figures they judge. */
const TARGETS = {
  helpMs: 250,
  w1ProcessMs: 1000,
  timeRatio: 1000,
  vsFloor: 10,
  million: { nothingChangedMs: 8000, firstMs: 30000, dispatcherPeakRssMiB: 256 },
  /** Issue 24: the dispatcher with every row its own installed commit (1,000,000 rows). */
  worstCaseDispatcherRssMiB: 512,
};

/** The commit measured (and whether the work tree had changes on top of it). */
function measuredCommit(): { sha: string; dirty: boolean } {
  const git = (...args: string[]) => execFileSync("git", args, { encoding: "utf8" }).trim();
  try {
    return {
      sha: git("rev-parse", "HEAD"),
      dirty: git("status", "--porcelain", "--untracked-files=no") !== "",
    };
  } catch {
    return { sha: "unknown", dirty: false };
  }
}

/** `drift --help` as the bin (node + our code), and through `npx drift` (npm's own start added). */
async function startup(runs: number) {
  await timeDrift(["--help"], {}); // warm the file cache, unrecorded
  const all: number[] = [];
  for (let i = 0; i < runs; i++) all.push(round((await timeDrift(["--help"], {})).ms));
  const npx: number[] = [];
  for (let i = 0; i < 5; i++) npx.push(round(await timeProcess("npx", ["drift", "--help"])));
  return { medianMs: round(median(all)), all, npxMedianMs: round(median(npx)) };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const verdict = (ok: boolean) => (ok ? "met" : "MISSED");

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function main() {
  if (!process.env.DATABASE_URL) {
    console.error(
      "bench: set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test",
    );
    process.exit(2);
  }
  // Read before anything is written (results.json and the README are rewritten by this run).
  const commit = measuredCommit();
  await buildCli();
  // The machine is shared: its load (1-minute average, runnable processes per core × cores) frames every figure.
  const loadBefore = round(loadavg()[0] ?? 0, 2);
  const db = await createTestDb();
  const dbKind = "PostgreSQL";
  try {
    console.error(`bench: database ${dbKind}${quick ? ", --quick (no 1,000,000-row run)" : ""}`);
    const help = await startup(10);
    console.error(`bench: drift --help ${help.medianMs} ms`);
    const w1 = await benchW1(db, { runs: 5 });
    console.error(`bench: W1 ${w1.processMs.median} ms`);
    const scale: ScaleResult[] = [];
    for (const rows of quick ? [100_000] : [100_000, 1_000_000]) {
      scale.push(await benchScale(db, rows));
      console.error(`bench: ${rows} rows done`);
    }
    const worstCase = await benchDispatcherWorstCase(db, quick ? 100_000 : 1_000_000);
    console.error(`bench: worst case ${worstCase.dispatcherPeakRssMiB} MiB`);
    const lambda = await benchLambda(5);
    const webhook = await webhookLatency(db.sql, dbKind);
    const packets = await packetCost(db.sql, dbKind, quiet);

    const results = {
      measuredAt: new Date().toISOString(),
      commit,
      machine: {
        node: process.version,
        cpus: cpus().length,
        database: dbKind,
        loadAverage: { before: loadBefore, after: round(loadavg()[0] ?? 0, 2) },
      },
      quick,
      targets: TARGETS,
      startup: { driftHelpMs: help.medianMs, runs: help.all, npxDriftHelpMs: help.npxMedianMs },
      w1,
      scale,
      worstCase,
      lambda,
      webhook,
      packets,
    };
    writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
    updateReadme();

    const million = scale.find((x) => x.rows === 1_000_000);
    const rows: string[][] = [
      ["measure", "value", "target", ""],
      [
        "drift --help (median of 10)",
        `${help.medianMs} ms`,
        `≤ ${TARGETS.helpMs} ms`,
        verdict(help.medianMs <= TARGETS.helpMs),
      ],
      ["npx drift --help (median of 5; npm's own start included)", `${help.npxMedianMs} ms`, "", ""],
      [
        `W1 drift sweep --json, whole process (median of 5, ${dbKind})`,
        s(w1.processMs.median),
        `≤ ${s(TARGETS.w1ProcessMs)}`,
        verdict(w1.processMs.median <= TARGETS.w1ProcessMs),
      ],
      [
        "W1 resolution queries (max repositories in one)",
        `${w1.graphqlRequests} (${w1.maxRepositoriesPerQuery})`,
        "4 (≥ 100)",
        verdict(w1.graphqlRequests === 4 && w1.maxRepositoriesPerQuery >= 100),
      ],
      [
        "W1 review packets, every run: GraphQL queries + REST compares",
        `${w1.requests.at(-1)?.packetQueries ?? 0} + ${w1.requests.at(-1)?.rest ?? 0}`,
        "",
        "",
      ],
      [
        `W1 original algorithm (${w1.original.sampleRows} rows timed, scaled)`,
        `${s(w1.original.scaledMs)}, ${w1.original.requests} requests`,
        "",
        "",
      ],
      [
        `W1 floor: ceil(${w1.floor.queries} / ${w1.floor.inFlight}) × ${w1.latencyMs} ms`,
        `${w1.floor.ms} ms`,
        "",
        "",
      ],
      ["W1 requestRatio", `${w1.requestRatio}×`, "", ""],
      [
        "W1 timeRatio",
        `${w1.timeRatio}×`,
        `≥ ${TARGETS.timeRatio}×`,
        verdict(w1.timeRatio >= TARGETS.timeRatio),
      ],
      ["W1 vsFloor", `${w1.vsFloor}×`, `≤ ${TARGETS.vsFloor}×`, verdict(w1.vsFloor <= TARGETS.vsFloor)],
    ];
    for (const x of scale) {
      const n = x.rows.toLocaleString("en");
      const m = x.rows === 1_000_000;
      rows.push(
        [
          `${n} rows: first sweep (dispatcher)`,
          `${s(x.first.sweepMs)} (${s(x.first.dispatchMs)})`,
          m ? `≤ ${s(TARGETS.million.firstMs)}` : "",
          m ? verdict(x.first.sweepMs <= TARGETS.million.firstMs) : "",
        ],
        [
          `${n} rows: nothing changed (dispatcher)`,
          `${s(x.nothingChanged.sweepMs)} (${s(x.nothingChanged.dispatchMs)})`,
          m ? `≤ ${s(TARGETS.million.nothingChangedMs)}` : "",
          m ? verdict(x.nothingChanged.sweepMs <= TARGETS.million.nothingChangedMs) : "",
        ],
        [
          `${n} rows: dispatcher peak RSS (first / nothing changed)`,
          `${x.first.dispatcherPeakRssMiB} / ${x.nothingChanged.dispatcherPeakRssMiB} MiB`,
          m ? `≤ ${TARGETS.million.dispatcherPeakRssMiB} MiB` : "",
          m
            ? verdict(
                Math.max(x.first.dispatcherPeakRssMiB, x.nothingChanged.dispatcherPeakRssMiB) <=
                  TARGETS.million.dispatcherPeakRssMiB,
              )
            : "",
        ],
      );
    }
    for (const l of lambda) {
      rows.push([
        `Lambda ${l.handler}: bundle (gzip), module init`,
        `${(l.bytes / 1024).toFixed(0)} KiB (${(l.gzipBytes / 1024).toFixed(0)} KiB), ${l.initMs} ms`,
        "",
        "",
      ]);
    }
    rows.push([
      `dispatcher worst case: ${worstCase.rows.toLocaleString("en")} rows, each its own commit: peak RSS`,
      `${worstCase.dispatcherPeakRssMiB} MiB (${s(worstCase.dispatchMs)})`,
      `≤ ${TARGETS.worstCaseDispatcherRssMiB} MiB`,
      verdict(worstCase.dispatcherPeakRssMiB <= TARGETS.worstCaseDispatcherRssMiB),
    ]);
    if (!million) rows.push(["1,000,000 rows", "not run (--quick)", "", ""]);
    console.log(table(rows));
    console.log(
      `\nW1 runs: ${w1.processMs.all.map((ms) => s(ms)).join(", ")}; commit ${commit.sha.slice(0, 7)}${commit.dirty ? " (with changes)" : ""}; load ${results.machine.loadAverage.before} → ${results.machine.loadAverage.after}`,
    );
    console.log(`written to ${RESULTS}; README.md's figures rendered from it`);
  } finally {
    await db.close();
  }
}

await main();
