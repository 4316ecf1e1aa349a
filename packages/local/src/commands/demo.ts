import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { createAdminApp } from "@drift/api";
import type { Notifier } from "@drift/core";
import { listPendingUpdates } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { startGitHubSim } from "@drift/github-sim";
import type { Command } from "../command";
import { openDatabase } from "../database";
import { seedDemo } from "../demo-world";
import { createCliLogger } from "../logger";
import { runLocalSweep } from "../runner";
import { demoWebhookStep } from "./demo-webhook";
import { formatSummary } from "./sweep";

const DEMO_TOKEN = "demo-github-token";
const DEMO_ADMIN_TOKEN = "demo-admin-token";

export const demoCommand: Command = {
  name: "demo",
  usage: [
    "drift demo [--keep]",
    "",
    "Starts a simulated GitHub/Gitea on 127.0.0.1 and an embedded Postgres under .drift/demo (wiped first,",
    "unless DATABASE_URL is set), seeds a few hundred plugins, runs one sweep through the Lambda code path,",
    "prints the pending updates and applies one through the admin API. Nothing leaves this machine.",
  ].join("\n"),
  async run(ctx) {
    // size: the demo's script, step by step as the user sees it printed; splitting it would hide the story.
    parseArgs({ args: [...ctx.argv], options: {}, strict: true });
    const out = (line = "") => ctx.stdout.write(`${line}\n`);
    const dataDir = resolve(ctx.env.DRIFT_DATA_DIR ?? ".drift", "demo");
    const env = { ...ctx.env, DRIFT_DATA_DIR: dataDir };
    if (!ctx.env.DATABASE_URL) rmSync(dataDir, { recursive: true, force: true });

    out("== plugin drift sweeper: offline demo (SIMULATION: the GitHub here is a local test server) ==");
    const sim = await startGitHubSim({ token: DEMO_TOKEN });
    const db = await openDatabase({ env });
    try {
      const story = await seedDemo(db.sql, sim.world, sim.host);
      out(`seeded ${story.plugins} plugins in ${story.workspaces} workspaces; upstream then moved on:`);
      out(
        `  new releases, commits on main, a force-moved tag (${story.movedTag}), a deleted repo (${story.deletedRepo})`,
      );
      out();

      const log = createCliLogger("warn", ctx.stderr);
      const resolver = createHostResolver({
        githubApiUrl: sim.url,
        auth: { token: DEMO_TOKEN },
        giteaToken: DEMO_TOKEN,
        giteaApiUrls: { [sim.host]: sim.giteaUrl },
        logger: log,
      });
      const summary = await runLocalSweep({ sql: db.sql, resolver, log });
      out("-- sweep --");
      ctx.stdout.write(formatSummary(summary));
      out(
        `(simulated GitHub saw ${sim.counters.graphql} GraphQL and ${sim.counters.gitea} Gitea requests for ${summary.targets.dispatched} distinct targets)`,
      );
      out();

      const pending = await listPendingUpdates(db.sql);
      out(`-- pending updates (${pending.length}; moved tags first, 12 shown) --`);
      const kinds = new Map(
        (
          await db.sql<{ id: string; drift_kind: string | null; resolved_tag: string | null }[]>`
          SELECT id, drift_kind, resolved_tag FROM plugin_update_queue WHERE status = 'pending'`
        ).map((r) => [r.id, r]),
      );
      // Suspicious first: a moved tag is what an operator must look at before anything else.
      const rank = (id: string) => (kinds.get(id)?.drift_kind === "tag_moved" ? 0 : 1);
      const shown = [...pending].sort((a, b) => rank(a.id) - rank(b.id)).slice(0, 12);
      for (const p of shown) {
        const k = kinds.get(p.id);
        const flag = k?.drift_kind === "tag_moved" ? "  <-- tag MOVED: suspicious" : "";
        out(
          `  ${p.workspace_id.slice(0, 8)}  ${p.plugin_name.padEnd(17)} ${p.tracked_ref.padEnd(18)} ${p.current_sha.slice(0, 7)} -> ${p.latest_sha.slice(0, 7)}  ${(k?.drift_kind ?? "").padEnd(12)} ${k?.resolved_tag ?? ""}${flag}`,
        );
      }
      const byKind = new Map<string, number>();
      for (const p of pending) {
        const k = kinds.get(p.id)?.drift_kind ?? "unknown";
        byKind.set(k, (byKind.get(k) ?? 0) + 1);
      }
      out(`  by kind: ${[...byKind].map(([k, n]) => `${k} ${n}`).join(", ")}`);
      out();

      const chosen = pending.find((p) => kinds.get(p.id)?.drift_kind === "new_version") ?? pending[0];
      if (chosen) {
        const events: string[] = [];
        const notifier: Notifier = {
          publish: async (e) => void events.push(`${e.type} ${JSON.stringify(e.detail)}`),
        };
        const app = createAdminApp({
          sql: db.sql,
          auth: { mode: "bearer", token: DEMO_ADMIN_TOKEN },
          corsOrigins: [],
          notifier,
        });
        const res = await app.request(`/admin/plugin-updates/${chosen.id}/apply`, {
          method: "POST",
          headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}` },
        });
        out(`-- apply through the admin API: POST /admin/plugin-updates/${chosen.id}/apply -> ${res.status}`);
        out(`  ${JSON.stringify(await res.json())}`);
        for (const e of events) out(`  event: ${e}`);
        out();
      }

      const again = await runLocalSweep({ sql: db.sql, resolver, log });
      out(
        `-- a second sweep changes nothing it should not: ${again.drift.new} new, ${again.drift.refreshed} refreshed, ${again.drift.superseded} superseded --`,
      );
      out();
      await demoWebhookStep(out, db.sql, sim, resolver, log);
      out(
        "Try it yourself: ADMIN_TOKEN=secret npx drift serve --port 8080   then open http://127.0.0.1:8080/admin/",
      );
      return 0;
    } finally {
      await db.close();
      await sim.close();
    }
  },
};
