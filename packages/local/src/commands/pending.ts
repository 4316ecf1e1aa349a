import { parseArgs } from "node:util";
import { bumpLabel, coolingDownLabel, elapsedText, versionLabel } from "@drift/core";
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

// Commits as 12 characters in --wide, 8 on a roomy terminal, 7 on a narrow one.
const versionOf = (name: string | null, sha: string, kind: string | null, length: number) =>
  cell(versionLabel(name, sha, kind, length));
/**
 * The mark: (!) for a moved tag or hidden characters, MAJOR for a major bump, else the bump or the kind. It is
 * never shortened (nor the versions): a narrow terminal drops AHEAD and SIG, then shortens names.
 */
const SHORT_KIND: Record<string, string> = {
  tag_moved: "moved",
  ref_moved: "branch",
  pin_mismatch: "pin",
  new_version: "new",
};
const kindOf = (g: UpdateGroup, roomy: boolean) => {
  const named = roomy ? cell(g.drift_kind) : (SHORT_KIND[g.drift_kind ?? ""] ?? cell(g.drift_kind));
  const kind = g.drift_kind === "new_version" ? (bumpLabel(g.bump) ?? named) : named;
  return g.drift_kind === "tag_moved" || g.suspicious ? `(!) ${kind}` : kind;
};

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

/**
 * READY: "ready", or while cooling down the time left ("in 3d", "in 5h"); --wide gives the exact moment. The full
 * "cooling down until <ISO time>" would take 39 columns of a 70-column terminal.
 */
function readyCell(readyAt: Date | null, wide: boolean): string {
  const label = coolingDownLabel(readyAt);
  if (label === null || readyAt === null) return "ready";
  return wide ? label : `in ${shortSpan(Math.max(60_000, new Date(readyAt).getTime() - Date.now()))}`;
}

/** The author's own date of the new version (tagger, else committer): shown, never trusted. */
const authorDate = (g: UpdateGroup) => {
  const at = g.tagged_at ?? g.committed_at;
  return at ? new Date(at).toISOString().slice(0, 10) : "-";
};

/** One line per group: moved tags first (the store's order), every value escaped, shortened to fit. */
export function groupTable(groups: readonly UpdateGroup[], columns: number, wide: boolean): string {
  // READY only when it says something (a group cooling down), or in --wide: the narrow table keeps its width.
  const ready = wide || groups.some((g) => coolingDownLabel(g.ready_at) !== null);
  const roomy = wide || columns >= 100;
  const shaLength = wide ? 12 : roomy ? 8 : 7;
  // Narrow tables show TRUST only when a row is a trust downgrade (its flag must never be cut away).
  const trusted = roomy || groups.some((g) => g.trust_downgrade);
  const rows = groups.map((g) => [
    wide ? g.ids.join(",") : `${g.ids[0]?.slice(0, 8) ?? ""}${g.count > 1 ? ` +${g.count - 1}` : ""}`,
    ...(wide ? [String(g.count), String(g.workspaces)] : []),
    cell(g.repository ? `${g.repository.owner}/${g.repository.name}` : g.source_raw),
    cell(g.plugin_names.join(",")),
    cell(g.tracked_ref),
    `${versionOf(g.from_version, g.current_sha, g.drift_kind, shaLength)} -> ${versionOf(g.to_version, g.latest_sha, g.drift_kind, shaLength)}`,
    kindOf(g, roomy),
    wide ? age(g.first_detected_at) : shortAge(g.first_detected_at),
    ...(roomy ? [g.commits_ahead === null ? "-" : String(g.commits_ahead)] : []),
    ...(trusted ? [trustCell(g, wide)] : []),
    ...(ready ? [readyCell(g.ready_at, wide)] : []),
    ...(wide ? [dayTime(g.first_seen_at), authorDate(g), day(g.release?.published_at ?? null)] : []),
    ...(wide ? [cell(g.release?.url), cell(g.compare_url)] : []),
  ]);
  const cols = [
    { header: "ID" },
    ...(wide ? [{ header: "N" }, { header: "WS" }] : []),
    { header: "REPOSITORY", flexible: true, min: 6, cutFirst: 4 },
    { header: "PLUGIN", flexible: true, min: 5, cutFirst: 5, dropFirst: 1 },
    { header: "REF", flexible: true, min: 5, cutFirst: 3, dropFirst: 2 },
    { header: "FROM -> TO" },
    { header: "KIND" },
    { header: "AGE", dropFirst: 3 },
    ...(roomy ? [{ header: "AHEAD" }] : []),
    ...(trusted ? [{ header: "TRUST", flexible: true, min: 7, cutFirst: 2 }] : []),
    ...(ready ? [{ header: "READY" }] : []),
    ...(wide ? [{ header: "FIRST SEEN" }, { header: "AUTHOR'S DATE" }, { header: "RELEASED" }] : []),
    ...(wide ? [{ header: "RELEASE" }, { header: "COMPARE" }] : []),
  ];
  return table(cols, rows, columns, wide);
}

/** A date as YYYY-MM-DD, or "-". */
const day = (at: Date | string | null): string => (at ? new Date(at).toISOString().slice(0, 10) : "-");

/** A moment as YYYY-MM-DD HH:MM (UTC), or "-". */
const dayTime = (at: Date | string | null): string =>
  at ? new Date(at).toISOString().slice(0, 16).replace("T", " ") : "-";

/** "3d", "5h", "12m": how long a group has been pending, in the narrow table. */
function shortAge(date: Date): string {
  return shortSpan(Date.now() - new Date(date).getTime());
}

/** A span as "3d", "5h" or "12m" (whole units). */
function shortSpan(ms: number): string {
  const [n, unit] = elapsedText(ms).split(" ");
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
      // Every group, page by page (a fleet can have thousands).
      const groups: UpdateGroup[] = [];
      for (let offset: number | null = 0; offset !== null; ) {
        const page: Awaited<ReturnType<typeof listUpdateGroups>> = await listUpdateGroups(
          db.sql,
          { ...filter, status: "pending", limit: 500 },
          {},
          offset,
        );
        groups.push(...page.groups);
        offset = page.next;
      }
      if (groups.length === 0) {
        ctx.stdout.write(
          "No pending updates. Run `drift sweep` to look upstream, or `drift history` for decisions.\n",
        );
        return 0;
      }
      ctx.stdout.write(
        `${groupTable(groups, terminalColumns(ctx.stdout as { columns?: number }, ctx.env), values.wide)}\n`,
      );
      return 0;
    } finally {
      await db.close();
    }
  },
};
