import { parseArgs } from "node:util";
import { versionLabel } from "@drift/core";
import { type ControlHistoryEntry, decodeHistoryCursor, type HistoryEntry, listHistory } from "@drift/db";
import { age, cell, table, terminalColumns } from "../cli-format";
import { type Command, UsageError } from "../command";
import { openDatabase } from "../database";
import { FILTER_FLAGS, FILTER_USAGE, filterOf } from "./list-filters";

const versionOf = (name: string | null, sha: string, kind: string | null, length: number) =>
  cell(versionLabel(name, sha, kind, length));

/** A policy as the FROM -> TO column shows it: auto-apply/age ("-": no policy). */
const policyLabel = (p: unknown): string => {
  const policy = p as { auto_apply?: string; min_release_age?: string | null } | null;
  return policy?.auto_apply ? `${policy.auto_apply}/${policy.min_release_age ?? "default"}` : "-";
};

/** Where a policy or rollout action applies: the policy's scope, or the rollout's repository. */
function controlWhere(r: ControlHistoryEntry): string {
  if (r.subject === "rollout") {
    const source = (r.to as { source_raw?: string | null } | null)?.source_raw;
    return source ? source.replace(/^[a-z]+:\/\/(github\.com\/)?/, "") : "-";
  }
  return r.workspace_id ? `workspace ${r.workspace_id}` : "all workspaces";
}

/** The cells of a policy or rollout action, in the columns of a decision. */
function controlRow(r: ControlHistoryEntry, wide: boolean): string[] {
  const change =
    r.subject === "policy"
      ? `${policyLabel(r.from)} -> ${policyLabel(r.to)}`
      : `${r.from_status ?? "-"} -> ${r.status ?? "-"}`;
  return [
    wide ? r.id : r.id.slice(0, 8),
    r.action.replace("_", " "),
    cell(controlWhere(r)),
    cell(r.plugin_name),
    cell(change),
  ];
}

/** One line per decision, newest first; the version and the (!) mark are never shortened. */
export function historyTable(items: readonly HistoryEntry[], columns: number, wide: boolean): string {
  const shaLength = wide ? 12 : columns >= 100 ? 8 : 7;
  const rows = items.map((r) => [
    ...(r.subject === "update"
      ? [
          wide ? r.id : r.id.slice(0, 8),
          `${r.suspicious ? "(!) " : ""}${r.action}`,
          cell(r.repository ? `${r.repository.owner}/${r.repository.name}` : r.source_raw),
          cell(r.plugin_name),
          `${versionOf(r.from_version, r.current_sha, r.drift_kind, shaLength)} -> ${versionOf(r.to_version, r.latest_sha, r.drift_kind, shaLength)}`,
        ]
      : controlRow(r, wide)),
    cell(r.decided_by),
    wide ? `${age(r.decided_at)} ago` : shortAge(r.decided_at),
    ...(wide ? [r.subject === "update" && r.hold_until ? r.hold_until.toISOString() : "-"] : []),
    cell(r.decision_reason),
  ]);
  const cols = [
    { header: "ID" },
    { header: "ACTION" },
    { header: "REPOSITORY", flexible: true, min: 6, cutFirst: 5 },
    { header: "PLUGIN", flexible: true, min: 6, cutFirst: 3 },
    { header: "FROM -> TO" },
    { header: "BY", flexible: true, min: 4, cutFirst: 4 },
    { header: "WHEN" },
    ...(wide ? [{ header: "HOLD UNTIL" }] : []),
    { header: "REASON", flexible: true, min: 6, cutFirst: 6 },
  ];
  return table(cols, rows, columns, wide);
}

/** "3d", "5h", "12m" ago. */
function shortAge(date: Date | null): string {
  const [n, unit] = age(date).split(" ");
  return unit ? `${n}${unit[0]}` : "-";
}

export const historyCommand: Command = {
  name: "history",
  usage: [
    "drift history [--json] [--wide] [--limit N] [--cursor C] [--kind K] [--repo OWNER/NAME] [--workspace UUID]",
    "              [--plugin NAME]",
    "",
    "Every decision, newest first (the append-only decision log): apply, dismiss, reopen, rollback, and",
    "policy set|rm and rollout start|pause|resume|cancel|halt, by whom (token, IAM principal, cli, policy:<id>,",
    "rollout:<id>), when, why, from -> to; (!) marks a moved tag or hidden characters. A reopen is an entry of",
    "its own. --cursor C shows the page after the one that printed it. Filters other than --workspace and",
    "--plugin show decisions on updates only.",
    ...FILTER_USAGE,
    'With --json, stdout holds one JSON object {"items": [...], "next_cursor": string | null}.',
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { ...FILTER_FLAGS, limit: { type: "string", default: "50" }, cursor: { type: "string" } },
      allowPositionals: false,
      strict: true,
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new UsageError("--limit must be 1 to 1000");
    const after = values.cursor === undefined ? null : decodeHistoryCursor(values.cursor);
    if (values.cursor !== undefined && after === null)
      throw new UsageError("--cursor takes the value a previous `drift history` printed");
    const db = await openDatabase({ env: ctx.env });
    try {
      const page = await listHistory(db.sql, { ...filterOf(values), limit, after });
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify({ items: page.items, next_cursor: page.next }, null, 2)}\n`);
        return 0;
      }
      if (page.items.length === 0) {
        ctx.stdout.write(
          after
            ? "No older decisions.\n"
            : "No decisions yet. `drift pending` lists what is waiting for one.\n",
        );
        return 0;
      }
      const columns = terminalColumns(ctx.stdout as { columns?: number }, ctx.env);
      ctx.stdout.write(`${historyTable(page.items, columns, values.wide)}\n`);
      if (page.next) ctx.stdout.write(`Older: drift history --cursor ${page.next}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
