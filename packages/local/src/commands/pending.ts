import { parseArgs } from "node:util";
import { coolingDownLabel } from "@drift/core";
import {
  listUpdateGroups,
  listUpdates,
  type UpdateCursor,
  type UpdateGroup,
  type UpdateRow,
} from "@drift/db";
import { age, cell, table, terminalColumns } from "../cli-format";
import type { Command } from "../command";
import { openDatabase } from "../database";
import { FILTER_FLAGS, FILTER_USAGE, filterOf } from "./list-filters";

/** Every pending row matching the filter, newest first, walking the keyset pages. */
async function allPending(sql: Parameters<typeof listUpdates>[0], filter: object): Promise<UpdateRow[]> {
  const rows: UpdateRow[] = [];
  let after: UpdateCursor | null = null;
  do {
    const page: Awaited<ReturnType<typeof listUpdates>> = await listUpdates(sql, {
      ...filter,
      status: "pending",
      limit: 500,
      after,
    });
    rows.push(...page.items);
    after = page.next;
  } while (after);
  return rows;
}

const versionOf = (name: string | null, sha: string, wide: boolean) =>
  cell(name ?? sha.slice(0, wide ? 12 : 8));
// The mark leads: a narrow terminal shortens the kind from its end, and the mark must survive it.
const kindOf = (g: UpdateGroup) =>
  g.drift_kind === "tag_moved" || g.suspicious ? `(!) ${cell(g.drift_kind)}` : cell(g.drift_kind);

/**
 * What the new version is vouched for by (an invalid signature said first), and `(!) down` when that is less
 * than the installed version's: a trust downgrade, never auto-applied.
 */
export function trustCell(
  g: Pick<UpdateGroup, "signature" | "trust" | "trust_downgrade">,
  wide = true,
): string {
  const base =
    g.signature === "invalid" ? "bad-sig" : g.trust === "immutable_release" ? "immutable" : (g.trust ?? "-");
  if (!g.trust_downgrade) return base;
  // Narrow: the flag alone fits the column; --wide also names the lower trust.
  return wide ? `(!) down ${base}` : "(!)down";
}

/** The author's own date of the new version (tagger, else committer): shown, never trusted. */
const authorDate = (g: UpdateGroup) => {
  const at = g.tagged_at ?? g.committed_at;
  return at ? new Date(at).toISOString().slice(0, 10) : "-";
};
const day = (d: Date | null) => (d ? new Date(d).toISOString().slice(0, 16).replace("T", " ") : "-");

/** One line per group: moved tags first (the store's order), every value escaped, shortened to fit. */
export function groupTable(groups: readonly UpdateGroup[], columns: number, wide: boolean): string {
  // READY only when it says something (a group cooling down), or in --wide: the narrow table keeps its width.
  const ready = wide || groups.some((g) => coolingDownLabel(g.ready_at) !== null);
  const rows = groups.map((g) => [
    wide ? g.ids.join(",") : `${g.ids[0]?.slice(0, 8) ?? ""}${g.count > 1 ? ` +${g.count - 1}` : ""}`,
    ...(wide ? [String(g.count)] : []),
    cell(g.repository ? `${g.repository.owner}/${g.repository.name}` : g.source_raw),
    cell(g.plugin_names.join(",")),
    cell(g.tracked_ref),
    `${versionOf(g.from_version, g.current_sha, wide)} -> ${versionOf(g.to_version, g.latest_sha, wide)}`,
    kindOf(g),
    wide ? age(g.first_detected_at) : shortAge(g.first_detected_at),
    g.commits_ahead === null ? "-" : String(g.commits_ahead),
    trustCell(g, wide),
    ...(ready ? [coolingDownLabel(g.ready_at) ?? "ready"] : []),
    ...(wide ? [day(g.first_seen_at), authorDate(g), cell(g.release?.url), cell(g.compare_url)] : []),
  ]);
  const cols = [
    { header: "ID" },
    ...(wide ? [{ header: "N" }] : []),
    { header: "REPOSITORY", flexible: true, min: 8, cutFirst: 4 },
    { header: "PLUGIN", flexible: true, min: 6, cutFirst: 5 },
    { header: "REF", flexible: true, min: 6, cutFirst: 3 },
    { header: "FROM -> TO", flexible: true, min: 10 },
    { header: "KIND", flexible: true, min: 9, cutFirst: 1 },
    { header: "AGE" },
    { header: "AHEAD" },
    { header: "TRUST", flexible: true, min: 7, cutFirst: 2 },
    ...(ready ? [{ header: "READY" }] : []),
    ...(wide
      ? [{ header: "FIRST SEEN" }, { header: "AUTHOR'S DATE" }, { header: "RELEASE" }, { header: "COMPARE" }]
      : []),
  ];
  return table(cols, rows, columns, wide);
}

/** "3d", "5h", "12m": how long a group has been pending, in the narrow table. */
function shortAge(date: Date): string {
  const [n, unit] = age(date).split(" ");
  return `${n}${unit?.[0] ?? ""}`;
}

export const pendingCommand: Command = {
  name: "pending",
  usage: [
    "drift pending [--json] [--wide] [--kind K] [--repo OWNER/NAME] [--workspace UUID] [--plugin NAME]",
    "",
    "One line per group of rows sharing (repository, tracked ref, current, latest): ID prefix (+ how many more),",
    "repository, plugin, ref, version from -> to, drift kind (moved tags, trust downgrades and hidden characters",
    "marked (!)), how long pending, commits ahead, trust (immutable, signed, none, bad-sig; '(!)down' when less",
    "than the installed version's). --wide adds when this sweeper first saw the commit (the cooldown's clock),",
    "the author's own tag/commit date (shown, never trusted), the release and compare links. IDs may be typed",
    "as unique prefixes in apply/dismiss/reopen.",
    ...FILTER_USAGE,
    "With --json, stdout holds one JSON array of rows with every field of the admin API.",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: FILTER_FLAGS,
      allowPositionals: false,
      strict: true,
    });
    const filter = filterOf(values);
    const db = await openDatabase({ env: ctx.env });
    try {
      if (values.json) {
        ctx.stdout.write(`${JSON.stringify(await allPending(db.sql, filter), null, 2)}\n`);
        return 0;
      }
      const { groups, truncated } = await listUpdateGroups(db.sql, {
        ...filter,
        status: "pending",
        limit: 1000,
      });
      if (groups.length === 0) {
        ctx.stdout.write(
          "No pending updates. Run `drift sweep` to look upstream, or `drift history` for decisions.\n",
        );
        return 0;
      }
      ctx.stdout.write(
        `${groupTable(groups, terminalColumns(ctx.stdout as { columns?: number }, ctx.env), values.wide)}\n`,
      );
      if (truncated) ctx.stdout.write("(more groups: narrow with --kind, --repo, --workspace or --plugin)\n");
      return 0;
    } finally {
      await db.close();
    }
  },
};
