/**
 * The migrate Lambda's logic (functions/migrate.ts only wires it): apply the migrations, waiting first for a
 * database that is not ready yet, then give the application role its password.
 *
 * On a first deploy the RDS Proxy target is registered in the same deployment, so the proxy may refuse
 * connections, answer that the database is starting, or time out borrowing a connection for a few minutes. Those
 * answers are retried with capped exponential backoff and jitter for up to `maxWaitMs`; anything else (a failing
 * migration, a wrong password) fails at once, so the deploy shows the real error.
 */
import type { Sql } from "@drift/db/client";
import { type MigrateResult, migrate as runMigrations } from "@drift/db/migrate";
import { APP_ROLE, MIGRATE_MAX_WAIT_MS } from "./runtime-env";

/** postgres.js and Node socket error codes that mean "could not talk to the server (yet)". */
const CONNECTION_CODES: Readonly<Record<string, string>> = {
  CONNECT_TIMEOUT: "connect timeout",
  CONNECTION_CLOSED: "connection closed",
  CONNECTION_ENDED: "connection ended",
  CONNECTION_DESTROYED: "connection destroyed",
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "socket timeout",
  EHOSTUNREACH: "host unreachable",
  ENOTFOUND: "DNS name not found",
  EAI_AGAIN: "DNS lookup failed",
};

/** SQLSTATEs a starting server or proxy answers with (class 08 is matched as a whole below). */
const NOT_READY_SQLSTATES: Readonly<Record<string, string>> = {
  "57P03": "cannot connect now (database starting)",
  "53300": "too many connections",
  "53400": "configuration limit exceeded",
};

/** RDS Proxy's own words when its target is not available or its pool is exhausted. */
const PROXY_MESSAGES: readonly RegExp[] = [
  /timed[- ]out waiting to acquire database connection/i,
  /borrow(ing)? a connection .*timed out/i,
  /proxy .*(could ?n[o']t|unable to) connect/i,
  /database system is (starting up|in recovery mode|shutting down)/i,
];

/**
 * Why `error` looks like a database that is not ready yet (worth waiting for), or undefined when it is not.
 *
 * @example
 * notReadyReason(Object.assign(new Error("x"), { code: "57P03" })) // "57P03 cannot connect now (database starting)"
 */
export function notReadyReason(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === "string") {
    if (CONNECTION_CODES[code]) return `${code} ${CONNECTION_CODES[code]}`;
    if (NOT_READY_SQLSTATES[code]) return `${code} ${NOT_READY_SQLSTATES[code]}`;
    if (/^08[0-9A-Z]{3}$/.test(code)) return `${code} connection exception`;
  }
  if (typeof message === "string" && PROXY_MESSAGES.some((re) => re.test(message))) {
    return `proxy: ${message.slice(0, 120)}`;
  }
  return undefined;
}

/** What the deploy output (`migrationResult`) shows: the migrations, what was waited for, the role. */
export interface MigrateOutcome extends MigrateResult {
  readonly waited: {
    readonly attempts: number;
    /** Seconds from the first attempt to the one that connected. */
    readonly seconds: number;
    /** Each distinct reason retried, with how often (e.g. "ECONNREFUSED connection refused ×3"). */
    readonly for: readonly string[];
  };
  /** What happened to the application role's password. */
  readonly appRole: string;
}

export interface MigrateHandlerOptions {
  /** The client to migrate with (the owner's login), asked for on each attempt. */
  readonly sql: () => Sql;
  /**
   * The application role's login, whose password the handler sets (absent: nothing to set). A function is called
   * after the migrations, so the login is read at run time (functions/migrate.ts: the application secret, the one
   * the proxy authenticates with), never a value fixed when the stage was deployed.
   */
  readonly appRole?: AppLogin | (() => Promise<AppLogin | undefined>) | undefined;
  readonly migrate?: (sql: Sql) => Promise<MigrateResult>;
  /** Total time to keep retrying a database that is not ready. Default MIGRATE_MAX_WAIT_MS (6 minutes). */
  readonly maxWaitMs?: number;
  /** First backoff step and the cap of one wait. Defaults 2 s and 30 s. */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** In [0, 1): the jitter. */
  readonly random?: () => number;
  readonly log?: (line: Record<string, unknown>) => void;
}

/** A login whose password the migrate step gives the application role. */
export type AppLogin = { readonly username: string; readonly password: string };

/** Thrown when the database stayed unreachable for the whole wait; the message says what was waited for. */
export class DatabaseNotReadyError extends Error {
  override readonly name = "DatabaseNotReadyError";
}

/**
 * Builds the migrate handler.
 *
 * @example
 * export const handler = createMigrateHandler({ sql: () => sql, appRole: { username, password } });
 */
export function createMigrateHandler(options: MigrateHandlerOptions): () => Promise<MigrateOutcome> {
  const maxWaitMs = options.maxWaitMs ?? MIGRATE_MAX_WAIT_MS;
  const base = options.baseDelayMs ?? 2_000;
  const cap = options.maxDelayMs ?? 30_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const migrate = options.migrate ?? runMigrations;

  return async () => {
    const started = now();
    const reasons = new Map<string, number>();
    const waitedFor = () => [...reasons].map(([reason, n]) => `${reason} ×${n}`);
    for (let attempt = 1; ; attempt++) {
      // Time spent before this attempt: what was waited for the database (not the migrations' own time).
      const waitedMs = now() - started;
      try {
        const sql = options.sql();
        const result = await migrate(sql);
        const appRole = await setAppRolePassword(sql, options.appRole);
        const outcome: MigrateOutcome = {
          ...result,
          waited: { attempts: attempt, seconds: Math.round(waitedMs / 1000), for: waitedFor() },
          appRole,
        };
        log({ level: "INFO", message: "migrations done", ...outcome });
        return outcome;
      } catch (error) {
        const reason = notReadyReason(error);
        if (!reason) throw error;
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        // Equal jitter: at least half the exponential step, so attempts never bunch up at zero.
        const step = Math.min(cap, base * 2 ** (attempt - 1));
        const wait = Math.round(step / 2 + random() * (step / 2));
        const elapsed = now() - started;
        if (elapsed + wait > maxWaitMs) {
          throw new DatabaseNotReadyError(
            `database not ready after ${Math.round(elapsed / 1000)} s and ${attempt} attempts; waited for: ${waitedFor().join(", ")}`,
            { cause: error },
          );
        }
        log({ level: "WARN", message: "database not ready, retrying", attempt, waitMs: wait, reason });
        await sleep(wait);
      }
    }
  };
}

/**
 * Gives the application role (created by migration 005_app_role) the password of its secret. Skipped, saying
 * why, when there is no role login, the role does not exist (the migrating user could not create it), or the
 * migrating user may not alter it.
 */
async function setAppRolePassword(sql: Sql, appRole: MigrateHandlerOptions["appRole"]): Promise<string> {
  const login = typeof appRole === "function" ? await appRole() : appRole;
  if (!login) return "not configured (no AppDatabase link)";
  if (login.username !== APP_ROLE)
    return `not set: the AppDatabase login is ${login.username}, not ${APP_ROLE}`;
  const [role] = await sql`SELECT 1 FROM pg_roles WHERE rolname = ${APP_ROLE}`;
  if (!role) return `skipped: role ${APP_ROLE} does not exist (the migrating user may not create roles)`;
  // ALTER ROLE takes no parameters: the password goes in as a quoted literal.
  const literal = `'${login.password.replace(/'/g, "''")}'`;
  try {
    await sql.unsafe(`ALTER ROLE ${APP_ROLE} WITH LOGIN PASSWORD ${literal}`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "42501") return `skipped: the migrating user may not alter role ${APP_ROLE}`;
    throw error;
  }
  return "password set";
}
