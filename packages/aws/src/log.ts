import type { Logger } from "@aws-lambda-powertools/logger";
import type { Log } from "@drift/core";

type Level = "debug" | "info" | "warn" | "error";

/** Adapts Powertools Logger (structured JSON logs in CloudWatch) to the core's Log port. */
export function powertoolsLog(logger: Logger): Log {
  const at =
    (level: Level) =>
    (message: string, extra?: Record<string, unknown>): void => {
      if (extra) logger[level](message, extra);
      else logger[level](message);
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
