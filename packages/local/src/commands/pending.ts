import { parseArgs } from "node:util";
import { listUpdates, type UpdateCursor, type UpdateRow } from "@drift/db";
import type { Command } from "../command";
import { openDatabase } from "../database";
import { printable } from "./decision";

/** Every pending update, newest first, walking the keyset pages of the admin store. */
async function allPending(sql: Parameters<typeof listUpdates>[0]): Promise<UpdateRow[]> {
  const rows: UpdateRow[] = [];
  let after: UpdateCursor | null = null;
  do {
    const page: Awaited<ReturnType<typeof listUpdates>> = await listUpdates(sql, {
      status: "pending",
      limit: 500,
      after,
    });
    rows.push(...page.items);
    after = page.next;
  } while (after);
  return rows;
}

const short = (sha: string) => printable(sha.slice(0, 12));

function table(rows: readonly UpdateRow[]): string {
  const header = [
    "ID",
    "WORKSPACE",
    "PLUGIN",
    "TRACKED REF",
    "DRIFT",
    "CURRENT -> LATEST",
    "TAG",
    "DETECTED",
  ];
  const lines = rows.map((r) => [
    r.id,
    r.workspace_id,
    printable(r.plugin_name),
    printable(r.tracked_ref),
    r.drift_kind === "tag_moved" ? "tag_moved (!)" : printable(r.drift_kind ?? "-"),
    `${short(r.current_sha)} -> ${short(r.latest_sha)}`,
    printable(r.resolved_tag ?? "-"),
    r.created_at.toISOString(),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  return [header, ...lines]
    .map((cells) =>
      cells
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

export const pendingCommand: Command = {
  name: "pending",
  usage: [
    "drift pending [--json]",
    "",
    "A table of pending updates; moved tags are marked (!). With --json, stdout holds one JSON array of",
    "{id, workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status, created_at, drift_kind, resolved_tag}.",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { json: { type: "boolean", default: false } },
      allowPositionals: false,
      strict: true,
    });
    const db = await openDatabase({ env: ctx.env });
    try {
      const rows = await allPending(db.sql);
      if (values.json) {
        const out = rows.map((r) => ({
          id: r.id,
          workspace_id: r.workspace_id,
          plugin_name: r.plugin_name,
          tracked_ref: r.tracked_ref,
          current_sha: r.current_sha,
          latest_sha: r.latest_sha,
          status: r.status,
          created_at: r.created_at,
          drift_kind: r.drift_kind,
          resolved_tag: r.resolved_tag,
        }));
        ctx.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else {
        ctx.stdout.write(rows.length === 0 ? "No pending updates.\n" : `${table(rows)}\n`);
      }
      return 0;
    } finally {
      await db.close();
    }
  },
};
