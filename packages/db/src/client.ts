import postgres from "postgres";

/** The postgres.js client type used across the project. */
export type Sql = postgres.Sql;

export interface DbOptions {
  /** postgres:// URL. */
  readonly url: string;
  /** Pool size. 1 in Lambda (one connection per concurrent execution) and through PGlite's socket. */
  readonly max?: number;
  /**
   * Named prepared statements. Off by default: RDS Proxy pins a session that prepares statements, and
   * PGlite's socket allows one connection. postgres.js then uses the unnamed statement (still parameterised).
   */
  readonly prepare?: boolean;
  /** Schema to put first on the search_path (tests isolate themselves in a schema of their own). */
  readonly schema?: string;
  readonly ssl?: boolean | "require";
  /** Seconds an idle connection stays open. */
  readonly idleTimeout?: number;
  /** `application_name` of the sessions (default `plugin-drift-sweeper`); shows in pg_stat_activity. */
  readonly applicationName?: string;
  /**
   * The password, asked for at every connection (instead of the URL's): read at run time, so a rotated password
   * needs no redeploy. `onAuthenticated` hears when a connection logged in with it.
   */
  readonly password?: () => Promise<string>;
  readonly onAuthenticated?: () => void;
}

/**
 * Creates the postgres.js client. One per process: create it outside a Lambda handler so warm invocations
 * reuse the connection.
 *
 * @example
 * const sql = createSql({ url: process.env.DATABASE_URL!, max: 1 });
 */
export function createSql(options: DbOptions): Sql {
  return postgres(options.url, {
    max: options.max ?? 1,
    prepare: options.prepare ?? false,
    idle_timeout: options.idleTimeout ?? 20,
    connect_timeout: 10,
    onnotice: () => {},
    // Only when asked: an explicit `ssl: undefined` would make postgres.js ignore the URL's `?sslmode=require`.
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.password ? { pass: options.password } : {}),
    // The server reports its parameters only after a successful login: the password worked.
    ...(options.onAuthenticated ? { onparameter: options.onAuthenticated } : {}),
    connection: {
      application_name: options.applicationName ?? "plugin-drift-sweeper",
      ...(options.schema ? { search_path: `${options.schema},public` } : {}),
    },
  });
}
