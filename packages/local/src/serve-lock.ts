import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";

/**
 * While `drift serve` runs on the embedded database it owns the PGlite files; it says so in `.drift/serve.json`
 * (its pid and the loopback socket it shares the database on), and the CLI beside it connects there instead of
 * opening the files a second time (two PGlite instances on one directory corrupt it or abort).
 */

export interface ServeLock {
  readonly pid: number;
  /** postgres:// URL of the shared socket. */
  readonly database_url: string;
  readonly started_at: string;
}

export const serveLockPath = (env: NodeJS.ProcessEnv): string =>
  resolve(env.DRIFT_DATA_DIR ?? ".drift", "serve.json");

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === "EPERM";
  }
};

/** The running server's lock, or null (none, unreadable, or left by a server that is gone: then removed). */
export function readServeLock(env: NodeJS.ProcessEnv): ServeLock | null {
  const path = serveLockPath(env);
  let lock: ServeLock;
  try {
    lock = JSON.parse(readFileSync(path, "utf8")) as ServeLock;
  } catch {
    return null;
  }
  if (!Number.isInteger(lock.pid) || typeof lock.database_url !== "string") return null;
  if (lock.pid === process.pid || alive(lock.pid)) return lock;
  rmSync(path, { force: true });
  return null;
}

export function writeServeLock(env: NodeJS.ProcessEnv, databaseUrl: string): () => void {
  const path = serveLockPath(env);
  const lock: ServeLock = {
    pid: process.pid,
    database_url: databaseUrl,
    started_at: new Date().toISOString(),
  };
  writeFileSync(path, `${JSON.stringify(lock)}\n`, { mode: 0o600 });
  return () => {
    // Only ours: a second server may have replaced it meanwhile.
    if (readServeLock(env)?.pid === process.pid) rmSync(path, { force: true });
  };
}
