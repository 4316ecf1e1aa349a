import { type DecisionAction, type DecisionOutcome, displayText } from "@drift/core";
import { type Sql, updateRowsById } from "@drift/db";
import type { CommandContext } from "../command";

/**
 * `drift apply|dismiss ID` decides the ID's whole group (the rows `drift pending` shows as one line: the same
 * repository, ref and commits), as the page's group buttons do; `--only-this` decides the one row. A group of
 * more than one row asks on a terminal first; a script says `--yes` (without it, nothing is decided).
 */

/** What the group is, in one line: "5 updates of acme/lint tag:latest (v1.1.0 -> v2.0.0), 5 workspaces". */
export async function describeGroup(sql: Sql, ids: readonly string[]): Promise<string> {
  const rows = await updateRowsById(sql, ids);
  const first = rows[0];
  if (!first) return `${ids.length} updates`;
  const t = (s: string | null | undefined) => displayText(s ?? "", 60).text;
  const repo = first.repository ? `${first.repository.owner}/${first.repository.name}` : first.source_raw;
  const versions = `${t(first.from_version ?? first.current_sha.slice(0, 8))} -> ${t(first.to_version ?? first.latest_sha.slice(0, 8))}`;
  const workspaces = new Set(rows.map((r) => r.workspace_id)).size;
  return `${ids.length} updates of ${t(repo)} ${t(first.tracked_ref)} (${versions}), ${workspaces} workspace${workspaces === 1 ? "" : "s"}`;
}

const DONE: Record<string, string> = { apply: "Applied", dismiss: "Dismissed" };

/** Prints what deciding a group did: one line per refusal, then a summary; exit 1 when any was refused. */
export function renderGroup(
  ctx: CommandContext,
  action: DecisionAction,
  what: string,
  outcomes: readonly { id: string; outcome: DecisionOutcome }[],
): number {
  let decided = 0;
  let refused = 0;
  for (const { id, outcome } of outcomes) {
    if (outcome.kind === "conflict" || outcome.kind === "not_found") {
      refused++;
      const why = outcome.kind === "conflict" ? displayText(outcome.message, 200).text : "no longer exists";
      ctx.stderr.write(`drift ${action}: ${id.slice(0, 8)} refused: ${why}\n`);
    } else decided++;
  }
  ctx.stdout.write(`${DONE[action] ?? action} ${decided} of ${what}\n`);
  return refused > 0 ? 1 : 0;
}
