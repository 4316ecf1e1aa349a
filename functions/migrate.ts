/**
 * Lambda: applies the database migrations. Invoked by the deployment itself (infra/functions/migrate.ts,
 * `aws.lambda.Invocation`), so a failed migration fails the deploy. Idempotent: a second run applies nothing.
 */
// Subpath imports: migrate needs neither the stores nor the domain parsers they pull in.
import { createSql, type Sql } from "@drift/db/client";
import { type MigrateResult, migrate } from "@drift/db/migrate";
import { runtimeConfig } from "./shared/runtime";

/** postgres.js error codes that mean "could not talk to the server", worth another try. */
const CONNECTION_ERRORS = new Set([
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && CONNECTION_ERRORS.has(code);
}

export interface MigrateHandlerOptions {
  /** The client to migrate with, asked for on each attempt. */
  readonly sql: () => Sql;
  /** Tries when the server cannot be reached (a fresh RDS Proxy needs a minute before its target is ready). */
  readonly attempts?: number;
  readonly delayMs?: (attempt: number) => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log?: (line: Record<string, unknown>) => void;
}

/**
 * Builds the migrate handler. Retries only connection failures; a failing migration throws at once (the
 * deploy shows the error and the migration's transaction was rolled back).
 */
export function createMigrateHandler(options: MigrateHandlerOptions): () => Promise<MigrateResult> {
  const attempts = options.attempts ?? 6;
  const delayMs = options.delayMs ?? ((attempt: number) => Math.min(30_000, 2_000 * 2 ** (attempt - 1)));
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  return async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await migrate(options.sql());
        log({
          level: "INFO",
          message: "migrations done",
          applied: result.applied,
          alreadyApplied: result.alreadyApplied.length,
        });
        return result;
      } catch (error) {
        if (!isConnectionError(error) || attempt >= attempts) throw error;
        const wait = delayMs(attempt);
        log({
          level: "WARN",
          message: "database not reachable, retrying",
          attempt,
          waitMs: wait,
          code: (error as { code: string }).code,
        });
        await sleep(wait);
      }
    }
  };
}

/**
 * Returns `{ applied, alreadyApplied }` (migration ids); the deploy output shows it as `migrationResult`.
 * One client per invocation, closed at the end: this runs once per deploy, so a warm connection would only
 * hold an RDS Proxy slot for nothing. `max: 1` and no prepared statements, as everywhere behind the proxy.
 */
export async function handler(): Promise<MigrateResult> {
  const sql = createSql({ url: runtimeConfig().databaseUrl, max: 1, prepare: false });
  try {
    return await createMigrateHandler({ sql: () => sql })();
  } finally {
    await sql.end({ timeout: 5 });
  }
}
