import { parseArgs } from "node:util";
import { listUpdates } from "@drift/db";
import { age, cell, table, terminalColumns } from "../cli-format";
import type { Command } from "../command";
import { openDatabase } from "../database";
import { FILTER_FLAGS, FILTER_USAGE, filterOf } from "./list-filters";

export const historyCommand: Command = {
  name: "history",
  usage: [
    "drift history [--json] [--wide] [--limit N] [--kind K] [--repo OWNER/NAME] [--workspace UUID] [--plugin NAME]",
    "",
    "The newest decisions first, with decided_by (token, IAM principal, cli, policy:<id>), the reason, and",
    "until when a dismissal holds.",
    ...FILTER_USAGE,
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { ...FILTER_FLAGS, limit: { type: "string", default: "50" } },
      allowPositionals: false,
      strict: true,
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new Error("--limit must be 1 to 1000");
    const db = await openDatabase({ env: ctx.env });
    try {
      const { items } = await listUpdates(db.sql, {
        ...filterOf(values),
        statuses: ["applied", "dismissed", "superseded"],
        limit,
      });
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
        return 0;
      }
      if (items.length === 0) {
        ctx.stdout.write("No decisions yet. `drift pending` lists what is waiting for one.\n");
        return 0;
      }
      const rows = items.map((r) => [
        values.wide ? r.id : r.id.slice(0, 8),
        r.status,
        cell(r.repository ? `${r.repository.owner}/${r.repository.name}` : r.source_raw),
        cell(r.plugin_name),
        `${cell(r.from_version ?? r.current_sha.slice(0, 12))} -> ${cell(r.to_version ?? r.latest_sha.slice(0, 12))}`,
        cell(r.decided_by),
        `${age(r.decided_at)} ago`,
        r.hold_until ? r.hold_until.toISOString() : "-",
        cell(r.decision_reason),
      ]);
      const cols = [
        { header: "ID" },
        { header: "STATUS" },
        { header: "REPOSITORY", flexible: true, min: 12 },
        { header: "PLUGIN", flexible: true, min: 8 },
        { header: "FROM -> TO", flexible: true, min: 16 },
        { header: "BY", flexible: true, min: 6 },
        { header: "WHEN" },
        { header: "HOLD UNTIL" },
        { header: "REASON", flexible: true, min: 8 },
      ];
      ctx.stdout.write(
        `${table(cols, rows, terminalColumns(ctx.stdout as { columns?: number }, ctx.env), values.wide)}\n`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
