/** The logging the admin app needs; Powertools' Logger and the CLI's JSON-lines logger both fit. */
export interface AdminLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * One JSON object per line (for `drift serve`, which keeps stdout for its URL and talks on stderr).
 *
 * @example
 * const logger = createJsonLineLogger((line) => process.stderr.write(line));
 */
export function createJsonLineLogger(write: (line: string) => void): AdminLogger {
  const log =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      write(`${JSON.stringify({ time: new Date().toISOString(), level, message, ...fields })}\n`);
  return { info: log("info"), warn: log("warn"), error: log("error") };
}

/** Drops everything (the default when no logger is given). */
export const silentLogger: AdminLogger = { info() {}, warn() {}, error() {} };
