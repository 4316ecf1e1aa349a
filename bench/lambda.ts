/** The Lambda side: each handler's bundle size (scripts/bundle.ts) and module init time (scripts/cold-start.ts). */
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundleHandler, handlerFiles } from "../scripts/bundle";
import { measureColdStart } from "../scripts/cold-start";
import { median, round } from "./common";

export interface LambdaResult {
  readonly handler: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Median `await import(bundle)` time in a fresh Node process. */
  readonly initMs: number;
}

const OUT_DIR = join(fileURLToPath(new URL(".", import.meta.url)), "..", "dist", "bench-bundles");

export async function benchLambda(runs: number): Promise<LambdaResult[]> {
  const results: LambdaResult[] = [];
  for (const file of handlerFiles()) {
    const b = await bundleHandler(file, OUT_DIR);
    measureColdStart(b.outfile); // warm the file cache, unrecorded
    const init = Array.from({ length: runs }, () => measureColdStart(b.outfile).importMs);
    results.push({
      handler: basename(file, ".ts"),
      bytes: b.bytes,
      gzipBytes: b.gzipBytes,
      initMs: round(median(init)),
    });
  }
  return results;
}
