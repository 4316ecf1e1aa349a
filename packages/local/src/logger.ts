import type { Log } from "@drift/core";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;
type Level = Exclude<LogLevel, "silent">;

/** One JSON object per line: for pipes, files and log collectors. */
const jsonLine = (level: Level, message: string, fields: Record<string, unknown>) =>
  `${JSON.stringify({ level, time: new Date().toISOString(), message, ...fields })}\n`;

/** `12:00:01 warn  message key=value …`: for a person at a terminal. */
const readableLine = (level: Level, message: string, fields: Record<string, unknown>) => {
  const extra = Object.entries(fields)
    .map(([key, value]) => ` ${key}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join("");
  return `${new Date().toISOString().slice(11, 19)} ${level.padEnd(5)} ${message}${extra}\n`;
};

/**
 * The core `Log` for the CLI, on stderr so stdout stays data (e.g. `drift sweep --json`): readable lines on a
 * terminal, JSON lines otherwise (what scripts and tests read).
 *
 * @example
 * const log = createCliLogger("info", process.stderr);
 */
export function createCliLogger(
  level: LogLevel = "warn",
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stderr,
  base: Record<string, unknown> = {},
): Log {
  const format = out.isTTY ? readableLine : jsonLine;
  const write = (lvl: Level, message: string, extra?: Record<string, unknown>) => {
    if (LEVELS[lvl] < LEVELS[level]) return;
    out.write(format(lvl, message, { ...base, ...extra }));
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
