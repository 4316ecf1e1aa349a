import { parseArgs } from "node:util";
import { listIntegrityEvents } from "@drift/db";
import { cell, table, terminalColumns } from "../cli-format";
import { type Command, UsageError } from "../command";
import { openDatabase } from "../database";

/** `github:github.com/acme/lint` as operators name it: `acme/lint` (github.com), else `HOST/acme/lint`. */
export function repositoryOfKey(key: string): string {
  const match = /^[a-z]+:([^/]+)\/(.+)$/.exec(key);
  if (!match) return key;
  const [, host, path] = match;
  return host === "github" || host === "github.com" || host === "api.github.com"
    ? (path ?? key)
    : `${host}/${path}`;
}

type Event = Awaited<ReturnType<typeof listIntegrityEvents>>[number];

/** One line per event, newest first; the kind (the mark) and the commits are never shortened. */
export function integrityTable(events: readonly Event[], columns: number, wide: boolean): string {
  const short = (sha: string | null | undefined) => (sha ? sha.slice(0, wide ? 12 : 8) : "-");
  const rows = events.map((e) => [
    wide ? e.detected_at.toISOString() : e.detected_at.toISOString().slice(0, 10),
    e.kind,
    cell(repositoryOfKey(e.repo_key)),
    cell(`${e.previous_tag && e.previous_tag !== e.tag ? `${e.previous_tag} -> ` : ""}${e.tag}`),
    `${short(e.previous_sha)} -> ${e.new_sha ? short(e.new_sha) : "gone"}`,
    // The tag objects where known: a re-created annotated tag on the same commit differs only there.
    ...(wide ? [`${short(e.previous_tag_object)} -> ${short(e.tag_object)}`] : []),
    // A trust downgrade's before and after (the KIND says it at any width).
    ...(wide ? [e.kind === "trust_downgrade" ? `${e.previous_trust ?? "-"} -> ${e.trust ?? "-"}` : "-"] : []),
  ]);
  const cols = [
    { header: "DETECTED" },
    { header: "KIND" },
    { header: "REPOSITORY", flexible: true, min: 8, cutFirst: 2 },
    { header: "TAG", flexible: true, min: 8, cutFirst: 1 },
    { header: "COMMIT" },
    ...(wide ? [{ header: "TAG OBJECT" }, { header: "TRUST" }] : []),
  ];
  return table(cols, rows, columns, wide);
}

export const integrityCommand: Command = {
  name: "integrity",
  usage: [
    "drift integrity [--json] [--wide] [--limit N]",
    "",
    "Each event means a tag a plugin follows changed in a way a release never should: check the repository",
    "before applying anything from it (docs/operations.md).",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: {
        json: { type: "boolean" },
        wide: { type: "boolean" },
        limit: { type: "string", default: "100" },
      },
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
      if (events.length === 0) {
        ctx.stdout.write("No integrity events.\n");
        return 0;
      }
      const columns = terminalColumns(ctx.stdout as { columns?: number }, ctx.env);
      ctx.stdout.write(`${integrityTable(events, columns, values.wide === true)}\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
