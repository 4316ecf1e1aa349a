import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Sql } from "@drift/db";
import { main, openDatabase } from "@drift/local";
import { createTestDb } from "./db";

/**
 * Node arguments that run the `drift` process from its TypeScript source (tests run on sources; the built bin,
 * packages/local/bin/drift.mjs, has a test of its own): `spawn(process.execPath, [...DRIFT_FROM_SOURCE, "sweep"])`.
 */
export const DRIFT_FROM_SOURCE: readonly string[] = [
  "--import",
  "tsx",
  fileURLToPath(new URL("../../packages/local/src/main.ts", import.meta.url)),
];

/**
 * A database the `drift` CLI opens by itself, the way it does for users: the embedded PGlite under a temporary
 * DRIFT_DATA_DIR, or (with DATABASE_URL) a fresh schema selected through the URL's search_path.
 */
export interface CliDatabase {
  /** Environment for the CLI (no DATABASE_URL in embedded mode). */
  readonly env: NodeJS.ProcessEnv;
  /** Runs fn with a connection to the same database (embedded: opened and closed around fn). */
  withSql<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function createCliDatabase(): Promise<CliDatabase> {
  if (process.env.DATABASE_URL) {
    const db = await createTestDb();
    const url = new URL(db.url);
    url.searchParams.set("search_path", `${db.schema},public`);
    return { env: { DATABASE_URL: url.toString() }, withSql: (fn) => fn(db.sql), close: () => db.close() };
  }
  const dir = mkdtempSync(join(tmpdir(), "drift-cli-"));
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

/** Runs `drift ARGS` in process and captures its exit code and streams. */
export async function runDrift(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream, text: () => chunks.join("") };
  };
  const out = sink();
  const err = sink();
  const code = await main(argv, { env, stdout: out.stream, stderr: err.stream });
  return { code, stdout: out.text(), stderr: err.text() };
}
