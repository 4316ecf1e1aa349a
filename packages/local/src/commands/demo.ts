import { rmSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { createAdminApp } from "@drift/api";
import type { Notifier } from "@drift/core";
import { listUpdateGroups, type UpdateGroup } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { startGitHubSim } from "@drift/github-sim";
import type { Command } from "../command";
import { openDatabase } from "../database";
import { startDemoReceiver } from "../demo-notify";
import { demoPolicies } from "../demo-policies";
import { demoRollout } from "../demo-rollout";
import { demoTrust } from "../demo-trust";
import { seedDemo } from "../demo-world";
import { createCliLogger } from "../logger";
import { runLocalSweep } from "../runner";
import { demoWebhookStep } from "./demo-webhook";
import { groupTable } from "./pending";
import { formatSummary } from "./sweep";

const DEMO_TOKEN = "demo-github-token";
const DEMO_ADMIN_TOKEN = "demo-admin-token";

const label = (g: UpdateGroup) =>
  `${g.repository ? `${g.repository.owner}/${g.repository.name}` : g.source_raw} ${g.tracked_ref}`;

export const demoCommand: Command = {
  name: "demo",
  usage: [
    "drift demo",
    "",
    "Starts a simulated GitHub/Gitea on 127.0.0.1 and an embedded Postgres under .drift/demo (wiped first,",
    "unless DATABASE_URL is set), seeds a few hundred plugins, runs one sweep through the Lambda code path",
    "(review packets included), prints the pending updates grouped by drift, applies one group and dismisses",
    "another through the admin API, sweeps again to show the dismissal holds, rolls a 41-workspace update out",
    "in waves until a failing health report halts and rolls it back, and prints the commands that",
    "reach the demo's data afterwards. Nothing leaves this machine.",
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
        `  new releases (with notes), commits on main, a force-moved tag (${story.movedTag}), a deleted repo (${story.deletedRepo})`,
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
      const receiver = await startDemoReceiver(db.sql);
      const summary = await runLocalSweep({ sql: db.sql, resolver, log });
      out("-- sweep --");
      ctx.stdout.write(formatSummary(summary));
      out(
        `(simulated GitHub saw ${sim.counters.graphql} GraphQL, ${sim.counters.rest} REST and ${sim.counters.gitea} Gitea requests for ${summary.targets.dispatched} distinct targets, review packets included)`,
      );
      out();

      await receiver.report(out, sim.url).finally(() => receiver.close());

      const { groups } = await listUpdateGroups(db.sql, { status: "pending", limit: 200 });
      const rows = groups.reduce((n, g) => n + g.count, 0);
      out(
        `-- pending updates: ${rows} rows in ${groups.length} groups (one line per drift; moved tags first) --`,
      );
      out(groupTable(groups, 120, false));
      out();
      const released = [...groups].sort((a, b) => b.count - a.count).find((g) => g.release?.notes);
      if (released?.release) {
        out(`-- review packet of ${label(released)} (${released.count} workspaces) --`);
        out(
          `  ${released.from_version ?? "?"} -> ${released.to_version ?? "?"}, ${released.commits_ahead ?? "?"} commits ahead, signature ${released.signature ?? "unknown"}`,
        );
        out(`  release "${released.release.name}" ${released.release.url}`);
        for (const line of (released.release.notes ?? "").split("\n")) out(`    | ${line}`);
        out(`  compare: ${released.compare_url ?? "unknown"}`);
        out();
      }

      const events: string[] = [];
      const notifier: Notifier = { publish: async (e) => void events.push(e.type) };
      const app = createAdminApp({
        sql: db.sql,
        auth: { mode: "bearer", token: DEMO_ADMIN_TOKEN },
        corsOrigins: [],
        notifier,
      });
      const bulk = async (action: "apply" | "dismiss", g: UpdateGroup, extra: object = {}) => {
        const res = await app.request("/admin/plugin-updates/bulk", {
          method: "POST",
          headers: { authorization: `Bearer ${DEMO_ADMIN_TOKEN}`, "content-type": "application/json" },
          body: JSON.stringify({ action, ids: g.ids, ...extra }),
        });
        const body = (await res.json()) as { results: { status?: string }[] };
        const done = body.results.filter(
          (r) => r.status === (action === "apply" ? "applied" : "dismissed"),
        ).length;
        out(
          `-- ${action} the group ${label(g)} in one action: POST /admin/plugin-updates/bulk -> ${res.status}, ${done}/${g.ids.length} ${action === "apply" ? "applied" : "dismissed"}`,
        );
      };
      // The biggest group with a release is applied in one action; the next biggest is dismissed with a reason.
      const plain = groups.filter((g) => g.drift_kind !== "tag_moved").sort((a, b) => b.count - a.count);
      const toApply = plain.find((g) => g.release) ?? plain[0];
      const toDismiss = plain.find((g) => g !== toApply);
      if (toApply) {
        await bulk("apply", toApply);
        out(`  events published: ${events.length} x plugin.update.applied`);
      }
      if (toDismiss) await bulk("dismiss", toDismiss, { reason: "demo: not this week" });
      out();

      const again = await runLocalSweep({ sql: db.sql, resolver, log });
      out(
        `-- a second sweep changes nothing it should not: ${again.drift.new} new, ${again.drift.refreshed} refreshed, ${again.drift.superseded} superseded --`,
      );
      if (toDismiss) {
        const [held] = await db.sql<{ pending: number; dismissed: number }[]>`
          SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                 count(*) FILTER (WHERE status = 'dismissed')::int AS dismissed
          FROM plugin_update_queue WHERE lower(current_sha) = lower(${toDismiss.current_sha})
            AND lower(latest_sha) = lower(${toDismiss.latest_sha}) AND tracked_ref = ${toDismiss.tracked_ref}`;
        out(
          `  the dismissal holds: ${held?.dismissed ?? 0} rows of ${label(toDismiss)} stay dismissed, ${held?.pending ?? 0} came back`,
        );
      }
      out();
      await demoWebhookStep(out, db.sql, sim, resolver, log);
      const rollout = await demoRollout(db.sql, sim.world, resolver, log, out);
      const clock = await demoPolicies(db.sql, sim.world, resolver, log, out);
      await demoTrust(db.sql, sim.world, resolver, log, out, clock + 3600e3);
      const where = ctx.env.DATABASE_URL ? "" : `DRIFT_DATA_DIR=${relative(process.cwd(), dataDir) || "."} `;
      out("The demo's data stays; reach it with (the simulated GitHub is gone, so no further sweeps):");
      out(`  ${where}npx drift pending            # grouped, moved tags first (--wide, --json)`);
      out(`  ${where}npx drift history            # who decided what, when and why`);
      out(`  ${where}npx drift dismiss ID --reason "..." --until 7d    # ID: a prefix from drift pending`);
      if (rollout)
        out(
          `  ${where}npx drift rollout show ${rollout.slice(0, 8)}      # the halted rollout, wave by wave`,
        );
      out(`  ${where}npx drift rollout list        # rollouts; drift rollback ID rolls one row back`);
      out(
        `  ${where}ADMIN_TOKEN=secret npx drift serve --port 8080   # then open http://127.0.0.1:8080/admin/`,
      );
      return 0;
    } finally {
      await db.close();
      await sim.close();
    }
  },
};
