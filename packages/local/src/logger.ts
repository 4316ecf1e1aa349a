import type { Log } from "@drift/core";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

/** JSON-lines logger for the CLI: writes to stderr so stdout stays data (e.g. `drift sweep --json`). */
export function createCliLogger(
  level: LogLevel = "warn",
  out: NodeJS.WritableStream = process.stderr,
  base: Record<string, unknown> = {},
): Log {
  const write = (lvl: Exclude<LogLevel, "silent">, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[lvl] < LEVELS[level]) return;
    out.write(
      `${JSON.stringify({ level: lvl, time: new Date().toISOString(), message, ...base, ...extra })}\n`,
    );
  };
  return {
    debug: (m, e) => write("debug", m, e),
    info: (m, e) => write("info", m, e),
    warn: (m, e) => write("warn", m, e),
    error: (m, e) => write("error", m, e),
  };
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel): LogLevel {
  return value && value in LEVELS ? (value as LogLevel) : fallback;
}
