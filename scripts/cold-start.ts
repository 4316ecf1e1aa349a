/**
 * Cold-start module load time of each Lambda bundle: `npm run cold-start` bundles functions/*.ts (as
 * `npm run bundle` does) and imports each bundle in fresh Node processes, printing the median over the runs.
 *
 * - `--runs=N` runs per bundle (default 5).
 * - `--dir=PATH` (repeatable) measures the `.mjs` bundles already in PATH instead of bundling now; with two or
 *   more, the runs are interleaved (a, b, a, b, …) so both see the same machine load: e.g. a saved copy of
 *   yesterday's dist/bundles against today's.
 *
 * Two numbers per bundle: `import` is the time `await import(bundle)` takes inside the process (parsing and
 * evaluating the module: what the handler's init phase adds to Node's own start), `process` is the wall time
 * of the whole `node` process (Node's start + import + exit). Placeholder configuration; nothing is contacted.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { bundleHandler, handlerFiles, PLACEHOLDER_ENV } from "./bundle";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");

export interface ColdStartSample {
  /** ms spent in `await import(bundle)`, measured inside the process. */
  readonly importMs: number;
  /** ms of the whole Node process, measured by the parent. */
  readonly processMs: number;
}

/** Imports one bundle in a fresh Node process (placeholder env) and times it. Throws if the import fails. */
export function measureColdStart(bundle: string): ColdStartSample {
  const code = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(performance.now() - t);`;
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    encoding: "utf8",
    env: { PATH: process.env.PATH, ...PLACEHOLDER_ENV },
  });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (run.status !== 0) throw new Error(`${bundle} failed to load: ${run.stderr.split("\n")[0] ?? ""}`);
  return { importMs: Number(run.stdout.trim()), processMs };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function bundlesIn(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".mjs"))
    .sort()
    .map((f) => join(dir, f));
}

async function main() {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => a.startsWith("--runs="))?.slice("--runs=".length) ?? 5);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs must be a positive integer");
  let dirs = args.filter((a) => a.startsWith("--dir=")).map((a) => resolve(a.slice("--dir=".length)));
  if (dirs.length === 0) {
    const outDir = join(ROOT, "dist", "bundles");
    for (const file of handlerFiles()) await bundleHandler(file, outDir);
    dirs = [outDir];
  }
  const bundles = dirs.flatMap((dir) => bundlesIn(dir).map((path) => ({ dir, path })));
  const samples = new Map<string, ColdStartSample[]>(bundles.map((b) => [b.path, []]));
  measureColdStart(bundles[0]?.path ?? ""); // warm the OS file cache and Node's binary once, unrecorded
  // Interleaved: every bundle once per round, so drifting machine load spreads over all of them.
  for (let round = 0; round < runs; round++) {
    for (const b of bundles) samples.get(b.path)?.push(measureColdStart(b.path));
  }

  console.log(`Cold start, median of ${runs} fresh Node ${process.version} processes per bundle\n`);
  const rows = [["bundle", "dir", "size", "import (median)", "import min–max", "process (median)"]];
  const names = [...new Set(bundles.map((b) => basename(b.path, ".mjs")))];
  for (const name of names) {
    for (const b of bundles.filter((x) => basename(x.path, ".mjs") === name)) {
      const s = samples.get(b.path) ?? [];
      const imports = s.map((x) => x.importMs);
      rows.push([
        name,
        relative(ROOT, b.dir).startsWith("..") ? b.dir : relative(ROOT, b.dir) || ".",
        `${(statSync(b.path).size / 1024).toFixed(1)} KiB`,
        `${median(imports).toFixed(1)} ms`,
        `${Math.min(...imports).toFixed(1)}–${Math.max(...imports).toFixed(1)} ms`,
        `${median(s.map((x) => x.processMs)).toFixed(1)} ms`,
      ]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
