import { parseArgs } from "node:util";
import { listIntegrityEvents } from "@drift/db";
import { type Command, UsageError } from "../command";
import { openDatabase } from "../database";
import { printable } from "./decision";

export const integrityCommand: Command = {
  name: "integrity",
  usage: [
    "drift integrity [--json] [--limit N]",
    "",
    "Each event means a tag a plugin follows changed in a way a release never should: check the repository",
    "before applying anything from it (docs/operations.md).",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { json: { type: "boolean" }, limit: { type: "string", default: "100" } },
      strict: true,
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new UsageError("--limit must be 1 to 1000");
    const db = await openDatabase({ env: ctx.env });
    try {
      const events = await listIntegrityEvents(db.sql, limit);
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(events)}\n`);
        return 0;
      }
      if (events.length === 0) ctx.stdout.write("No integrity events.\n");
      for (const e of events) {
        const change = `${e.previous_tag ? `${printable(e.previous_tag)} ` : ""}${e.previous_sha?.slice(0, 12) ?? "-"} -> ${e.new_sha?.slice(0, 12) ?? "gone"}`;
        // The tag objects where known: a re-created annotated tag on the same commit differs only there.
        const objects =
          e.previous_tag_object || e.tag_object
            ? `  (tag object ${e.previous_tag_object?.slice(0, 12) ?? "-"} -> ${e.tag_object?.slice(0, 12) ?? "-"})`
            : "";
        const trust = e.kind === "trust_downgrade" ? `  (trust ${e.previous_trust} -> ${e.trust})` : "";
        ctx.stdout.write(
          `${e.detected_at.toISOString()}  ${e.kind.padEnd(17)}  ${printable(e.repo_key)} ${printable(e.tag)}  ${change}${objects}${trust}\n`,
        );
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
