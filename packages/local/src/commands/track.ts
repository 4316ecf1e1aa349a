import { parseArgs } from "node:util";
import { isUuid, parseInstalledSha, parseSource, parseTrackedRef } from "@drift/core";
import { type Command, UsageError } from "../command";
import { openDatabase } from "../database";

export const trackCommand: Command = {
  name: "track",
  usage: [
    "drift track WORKSPACE_ID PLUGIN SOURCE --ref TRACKED_REF [--installed SHA]",
    "",
    "  SOURCE       github://OWNER/REPO, https://github.com/OWNER/REPO, gitea://HOST/OWNER/REPO, local://NAME",
    "  --ref        none | tag:NAME | tag:latest | semver:RANGE | ref:NAME | branch:NAME | sha:HEX",
    "  --installed  the installed commit (7 to 64 hex characters)",
  ].join("\n"),
  async run(ctx) {
    const { values, positionals } = parseArgs({
      args: [...ctx.argv],
      options: { ref: { type: "string" }, installed: { type: "string" } },
      allowPositionals: true,
      strict: true,
    });
    const [workspaceId, plugin, source, ...extra] = positionals;
    if (!workspaceId || !plugin || !source || extra.length > 0)
      throw new UsageError("expected WORKSPACE_ID PLUGIN SOURCE");
    if (!isUuid(workspaceId))
      throw new UsageError(`WORKSPACE_ID must be a UUID, got ${JSON.stringify(workspaceId)}`);
    if (plugin.length > 200) throw new UsageError("PLUGIN name is too long");
    if (!values.ref) throw new UsageError("--ref TRACKED_REF is required");
    const ref = parseTrackedRef(values.ref);
    if (ref.status === "invalid") throw new UsageError(`--ref: ${ref.reason}`);
    const src = parseSource(source);
    if (src.status === "invalid") throw new UsageError(`SOURCE: ${src.reason}`);
    if (values.installed !== undefined && parseInstalledSha(values.installed).status === "invalid") {
      throw new UsageError(`--installed must be 7 to 64 hex characters`);
    }
    const db = await openDatabase({ env: ctx.env });
    try {
      const [row] = await db.sql<{ id: string; inserted: boolean }[]>`
        INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
        VALUES (${workspaceId}, ${plugin}, ${source}, ${values.ref}, ${values.installed ?? null})
        ON CONFLICT (workspace_id, plugin_name) DO UPDATE SET source_raw = EXCLUDED.source_raw,
          tracked_ref = EXCLUDED.tracked_ref,
          installed_sha = coalesce(EXCLUDED.installed_sha, workspace_plugins.installed_sha), updated_at = now()
        RETURNING id, (xmax = 0) AS inserted`;
      ctx.stdout.write(
        `${row?.inserted ? "Tracking" : "Updated"} ${plugin} in ${workspaceId} (${row?.id})\n`,
      );
      if (src.status === "skipped") ctx.stderr.write(`note: ${src.reason}; the sweeper will skip it\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
