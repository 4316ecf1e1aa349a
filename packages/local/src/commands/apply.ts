import { parseArgs } from "node:util";
import { createLogNotifier, publishPendingEvents } from "@drift/api";
import { isUuid } from "@drift/core";
import { applyUpdate } from "@drift/db";
import { type Command, type CommandContext, UsageError } from "../command";
import { openDatabase } from "../database";
import { createCliLogger, parseLogLevel } from "../logger";

/** The one positional ID of `drift apply|dismiss ID`, checked to be a UUID before it reaches SQL. */
export function queueIdArgument(ctx: CommandContext): string {
  const { positionals } = parseArgs({
    args: [...ctx.argv],
    options: {},
    allowPositionals: true,
    strict: true,
  });
  const [id, ...extra] = positionals;
  if (!id || extra.length > 0) throw new UsageError("expected exactly one ID (see drift pending)");
  if (!isUuid(id)) throw new UsageError(`ID must be a UUID, got ${JSON.stringify(id.slice(0, 80))}`);
  return id;
}

/** Control characters out of database text before it reaches a terminal. */
export const printable = (text: string): string => text.replace(/\p{Cc}/gu, "?");

export const applyCommand: Command = {
  name: "apply",
  usage: [
    "drift apply ID",
    "",
    "Sets the plugin's installed_sha to the update's latest_sha and marks the update applied, in one transaction.",
    "Refused (exit 1) when the update was dismissed or superseded, or the installed commit changed since",
    "detection. Publishes plugin.update.applied (a log line on stderr).",
  ].join("\n"),
  async run(ctx) {
    const id = queueIdArgument(ctx);
    const db = await openDatabase({ env: ctx.env });
    try {
      const outcome = await applyUpdate(db.sql, id);
      switch (outcome.kind) {
        case "not_found":
          ctx.stderr.write(`drift apply: no plugin update ${id}\n`);
          return 1;
        case "conflict":
          ctx.stderr.write(`drift apply: ${printable(outcome.message)}\n`);
          return 1;
        case "already_applied":
          ctx.stdout.write(
            `Already applied: ${printable(outcome.update.plugin_name)} is at ${outcome.update.installed_sha}\n`,
          );
          return 0;
        case "applied": {
          const u = outcome.update;
          ctx.stdout.write(
            `Applied ${id}: ${printable(u.plugin_name)} in ${u.workspace_id}: ${printable(u.previous_sha)} -> ${printable(u.installed_sha)}\n`,
          );
          const logger = createCliLogger(parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "info"), ctx.stderr);
          await publishPendingEvents(db.sql, createLogNotifier(logger), logger);
          return 0;
        }
      }
    } finally {
      await db.close();
    }
  },
};
