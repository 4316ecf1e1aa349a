import { dismissUpdate } from "@drift/db";
import type { Command } from "../command";
import { openDatabase } from "../database";
import { printable, queueIdArgument } from "./apply";

export const dismissCommand: Command = {
  name: "dismiss",
  usage: [
    "drift dismiss ID",
    "",
    "Marks a pending update dismissed (dismissing it again is fine). Refused (exit 1) when it was applied",
    "or superseded.",
  ].join("\n"),
  async run(ctx) {
    const id = queueIdArgument(ctx);
    const db = await openDatabase({ env: ctx.env });
    try {
      const outcome = await dismissUpdate(db.sql, id);
      switch (outcome.kind) {
        case "not_found":
          ctx.stderr.write(`drift dismiss: no plugin update ${id}\n`);
          return 1;
        case "conflict":
          ctx.stderr.write(`drift dismiss: ${printable(outcome.message)}\n`);
          return 1;
        case "dismissed":
        case "already_dismissed":
          ctx.stdout.write(
            `${outcome.kind === "dismissed" ? "Dismissed" : "Already dismissed"} ${id} (${printable(outcome.update.plugin_name)})\n`,
          );
          return 0;
      }
    } finally {
      await db.close();
    }
  },
};
