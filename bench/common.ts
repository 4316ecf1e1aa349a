/** Small helpers shared by the benchmark sections. */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Log } from "@drift/core";

export const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };
export const TOKEN = "bench-token";
export const DRIFT_BIN = fileURLToPath(new URL("../packages/local/bin/drift.mjs", import.meta.url));

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

export const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** DATABASE_URL that lands in `schema` (the bench's isolated schema) for a child process. */
export function urlWithSchema(url: string, schema: string | undefined): string {
  const u = new URL(url);
  if (schema) u.searchParams.set("search_path", `${schema},public`);
  return u.toString();
}

const run = promisify(execFile);

/** Wall time (ms) of one process: `command args` in the repository root. Throws on a non-zero exit. */
export async function timeProcess(command: string, args: readonly string[]): Promise<number> {
  const t0 = performance.now();
  await run(command, [...args], { cwd: fileURLToPath(new URL("..", import.meta.url)) });
  return performance.now() - t0;
}

/** Runs the built `drift` bin as a user would; returns wall time (ms) and stdout. Throws on a non-zero exit. */
export async function timeDrift(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ms: number; stdout: string }> {
  const t0 = performance.now();
  const { stdout } = await run(process.execPath, [DRIFT_BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ms: performance.now() - t0, stdout };
}
