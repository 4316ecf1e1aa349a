import { parseArgs } from "node:util";
import { listFailingTargets } from "@drift/db";
import { age, cell, table, terminalColumns } from "../cli-format";
import type { Command } from "../command";
import { openDatabase } from "../database";

export const failingCommand: Command = {
  name: "failing",
  usage: [
    "drift failing [--json] [--wide]",
    "",
    "Each failing target (repository and tracked ref), why it failed, how often in a row, how many plugins follow",
    "it, and when it is looked up again. They change no queue row until they resolve again.",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { json: { type: "boolean", default: false }, wide: { type: "boolean", default: false } },
      allowPositionals: false,
      strict: true,
    });
    const db = await openDatabase({ env: ctx.env });
    try {
      const { items, total } = await listFailingTargets(db.sql, { limit: 1000 });
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ items, total }, null, 2)}\n`);
        return 0;
      }
      if (items.length === 0) {
        ctx.stdout.write("No failing targets: every target resolved at its last lookup.\n");
        return 0;
      }
      const roomy = values.wide || terminalColumns(ctx.stdout as { columns?: number }, ctx.env) >= 100;
      const rows = items.map((t) => [
        cell(`${t.host === "github" || t.host === "github.com" ? "" : `${t.host}/`}${t.owner}/${t.repo}`),
        cell(t.tracked_ref),
        t.last_error_kind,
        String(t.consecutive_failures),
        ...(roomy ? [String(t.plugins)] : []),
        t.next_check_at ? `in ${shortAge(t.next_check_at)}` : "-",
        cell(t.last_error),
      ]);
      // The ref and the kind of failure are never shortened; a narrow terminal drops PLUGINS.
      const cols = [
        { header: "REPOSITORY", flexible: true, min: 8, cutFirst: 2 },
        { header: "REF" },
        { header: "KIND" },
        { header: "FAILS" },
        ...(roomy ? [{ header: "PLUGINS" }] : []),
        { header: "NEXT" },
        { header: "ERROR", flexible: true, min: 8, cutFirst: 3 },
      ];
      ctx.stdout.write(
        `${table(cols, rows, terminalColumns(ctx.stdout as { columns?: number }, ctx.env), values.wide)}\n`,
      );
      if (total > items.length) ctx.stdout.write(`(${total - items.length} more)\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};

/** "in 5m": until the next lookup, short. */
function shortAge(at: Date): string {
  const [n, unit] = age(new Date(), at.getTime()).split(" ");
  return `${n}${unit?.[0] ?? ""}`;
}
