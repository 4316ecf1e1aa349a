/**
 * The application role of migration 005_app_role (`drift_app`): the dispatcher, the workers and the admin API
 * log in as it, so it must be able to do all their work and nothing more. The grants are checked in the catalog
 * on both databases; logging in as the role needs real PostgreSQL (PGlite runs as one user and has no logins).
 */
import { createDispatcherHandler, createWorkerHandler } from "@drift/aws";
import { createMigrateHandler } from "@drift/aws/migrate";
import { APP_ROLE } from "@drift/aws/runtime-env";
import { createReviewStore, createSql, createSweepStore, type Sql } from "@drift/db";
import { LocalQueue } from "@drift/local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, testAdminApp } from "../support/api";
import { quietLog, simResolver, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";
import { pendingRows, trackPlugins, webhookHarness } from "../support/webhooks";

const env = useSweepEnvironment({ clean: false });
const onServer = Boolean(process.env.DATABASE_URL);
const noMetrics = { sink: { add() {} }, flush() {} };

const privilege = async (sql: Sql, table: string, what: string) =>
  (await sql<{ ok: boolean }[]>`SELECT has_table_privilege(${APP_ROLE}, ${table}, ${what}) AS ok`)[0]?.ok;
const columnPrivilege = async (sql: Sql, table: string, column: string, what: string) =>
  (
    await sql<{ ok: boolean }[]>`SELECT has_column_privilege(${APP_ROLE}, ${table}, ${column}, ${what}) AS ok`
  )[0]?.ok;

describe(`application role drift_app (${onServer ? "PostgreSQL" : "PGlite"})`, () => {
  it("may read and write its own tables, read workspace_plugins and update only installed_sha there", async () => {
    const sql = env.db.sql;
    const webhookTables = ["drift_webhook_deliveries", "drift_rechecks", "drift_recheck_guards"];
    const notificationTables = ["drift_notification_subscriptions", "drift_notification_deliveries"];
    for (const table of [
      "drift_targets",
      "drift_plugin_targets",
      "drift_sweeps",
      "drift_event_outbox",
      "drift_review_packets",
      "drift_review_compares",
      ...webhookTables,
      ...notificationTables,
    ]) {
      for (const what of ["SELECT", "INSERT", "UPDATE", "DELETE"]) {
        expect(await privilege(sql, table, what), `${what} on ${table}`).toBe(true);
      }
      expect(await privilege(sql, table, "TRUNCATE"), `TRUNCATE on ${table}`).toBe(false);
    }
    expect(await privilege(sql, "drift_migrations", "INSERT")).toBe(false);
    expect(await privilege(sql, "workspace_plugins", "SELECT")).toBe(true);
    for (const what of ["INSERT", "DELETE", "TRUNCATE"]) {
      expect(await privilege(sql, "workspace_plugins", what), `${what} on workspace_plugins`).toBe(false);
    }
    expect(await columnPrivilege(sql, "workspace_plugins", "installed_sha", "UPDATE")).toBe(true);
    expect(await columnPrivilege(sql, "workspace_plugins", "updated_at", "UPDATE")).toBe(true);
    for (const column of ["source_raw", "tracked_ref", "workspace_id", "plugin_name"]) {
      expect(await columnPrivilege(sql, "workspace_plugins", column, "UPDATE"), column).toBe(false);
    }
    for (const what of ["SELECT", "INSERT", "UPDATE"]) {
      expect(await privilege(sql, "plugin_update_queue", what), what).toBe(true);
    }
    expect(await privilege(sql, "plugin_update_queue", "DELETE")).toBe(false);
  });

  it("gets the same on a drift_ table a later migration creates (default privileges)", async () => {
    const sql = env.db.sql;
    await sql`CREATE TABLE IF NOT EXISTS drift_later_feature (id serial PRIMARY KEY, note text)`;
    for (const what of ["SELECT", "INSERT", "UPDATE", "DELETE"]) {
      expect(await privilege(sql, "drift_later_feature", what), what).toBe(true);
    }
    const [seq] = await sql<{ ok: boolean }[]>`
      SELECT has_sequence_privilege(${APP_ROLE}, 'drift_later_feature_id_seq', 'USAGE') AS ok`;
    expect(seq?.ok).toBe(true);
  });

  // PGlite is single-user: whatever name a client gives, it runs as the superuser, so privileges cannot be shown
  // by logging in. CI runs this on real PostgreSQL.
  describe.skipIf(!onServer)("logged in as drift_app (real PostgreSQL only: PGlite has no logins)", () => {
    let app: Sql;
    const password = "app-role-test-password-'quoted'";
    beforeAll(async () => {
      // As deployed: the migrate step (owner) gives the role the password of its secret.
      const outcome = await createMigrateHandler({
        sql: () => env.db.sql,
        appRole: { username: APP_ROLE, password },
        log: () => {},
      })();
      expect(outcome.appRole).toBe("password set");
      const url = new URL(env.db.url);
      url.username = APP_ROLE;
      url.password = password;
      app = createSql({ url: url.toString(), max: 1, schema: env.db.schema });
      const [who] = await app<{ u: string }[]>`SELECT current_user AS u`;
      expect(who?.u).toBe(APP_ROLE);
    });
    afterAll(async () => app?.end());

    it("does the sweeper's work: dispatch, resolve, record drift and its review packet", async () => {
      const { sim } = env;
      sim.world.createRepo("role/a");
      const old = sim.world.revParse(sim.world.repo("role/a"), "refs/heads/main") as string;
      sim.world.commit("role/a", "main");
      await insertPlugins(env.db.sql, [
        { plugin_name: "a", source_raw: "github://role/a", tracked_ref: "branch:main", installed_sha: old },
        { plugin_name: "b", source_raw: "github://role/a", tracked_ref: "branch:main", installed_sha: old },
      ]);
      const store = createSweepStore(app);
      const queue = new LocalQueue();
      const dispatch = createDispatcherHandler({ store, queue, metrics: noMetrics, log: quietLog });
      const summary = await dispatch({});
      expect(summary).toMatchObject({ status: "dispatched", targetsDispatched: 1 });
      await queue.drain(
        createWorkerHandler({
          store,
          resolver: simResolver(sim),
          reviews: createReviewStore(app),
          metrics: noMetrics,
          log: quietLog,
        }),
      );
      const pending = await app`SELECT id FROM plugin_update_queue WHERE status = 'pending'`;
      expect(pending).toHaveLength(2);
      const packets = await app`SELECT status FROM drift_review_packets`;
      expect(packets.map((p) => p.status)).toEqual(["complete"]);
    });

    it("does the incremental mapping pass: maps only a new row, then forgets it once deleted", async () => {
      const store = createSweepStore(app);
      const dispatch = createDispatcherHandler({
        store,
        queue: new LocalQueue(),
        metrics: noMetrics,
        log: quietLog,
        config: { minIntervalMs: 0 },
      });
      const [id] = await insertPlugins(env.db.sql, [
        {
          plugin_name: "c",
          source_raw: "github://role/a",
          tracked_ref: "tag:v9",
          installed_sha: "a".repeat(40),
        },
      ]);
      expect(await dispatch({})).toMatchObject({ status: "dispatched", rowsMapped: 1 });
      await env.db.sql`DELETE FROM workspace_plugins WHERE id = ${id ?? ""}`; // the platform deletes it
      expect(await dispatch({})).toMatchObject({ status: "dispatched", rowsMapped: 0 });
      const left = await app`SELECT 1 FROM drift_plugin_targets WHERE plugin_id = ${id ?? ""}`;
      expect(left).toHaveLength(0);
    });

    it("does the admin API's work: lists, apply (installed_sha), dismiss with a hold, reopen, bulk, history", async () => {
      const t = testAdminApp(app);
      const list = await call(t.app, "GET", "/admin/plugin-updates-pending");
      expect(list.status).toBe(200);
      const [first, second] = list.json() as { id: string; latest_sha: string; signature: string | null }[];
      expect(first?.signature).toBe("unsigned");
      const grouped = await call(t.app, "GET", "/admin/plugin-updates?group=true");
      expect(grouped.status, grouped.text).toBe(200);
      const applied = await call(t.app, "POST", `/admin/plugin-updates/${first?.id}/apply`);
      expect(applied.status, applied.text).toBe(200);
      expect(applied.json()).toMatchObject({ status: "applied", installed_sha: first?.latest_sha });
      const until = new Date(Date.now() + 86_400_000).toISOString();
      const dismissed = await call(t.app, "POST", `/admin/plugin-updates/${second?.id}/dismiss`, {
        body: JSON.stringify({ reason: "not now", until }),
        headers: { "content-type": "application/json" },
      });
      expect(dismissed.status, dismissed.text).toBe(200);
      const reopened = await call(t.app, "POST", `/admin/plugin-updates/${second?.id}/reopen`);
      expect(reopened.status, reopened.text).toBe(200);
      const bulk = await call(t.app, "POST", "/admin/plugin-updates/bulk", {
        body: JSON.stringify({ action: "dismiss", ids: [second?.id] }),
        headers: { "content-type": "application/json" },
      });
      expect(bulk.json()).toEqual({ results: [{ id: second?.id, status: "dismissed" }] });
      const history = await call(t.app, "GET", "/admin/plugin-updates?history=true");
      expect((history.json() as { items: unknown[] }).items).toHaveLength(2);
      expect(t.notifier.events.map((e) => e.type)).toEqual(["plugin.update.applied"]);
    });

    it("does the webhook receiver's work: dedupe, affected targets, coalescing guard, re-check recorded", async () => {
      const { sim } = env;
      sim.world.createRepo("role/hook");
      await trackPlugins(env.db.sql, sim.world, "role/hook", { h: "branch:main" });
      const hooks = webhookHarness(app, sim);
      const head = sim.world.commit("role/hook", "main");
      const payload = { ref: "refs/heads/main", after: head, repository: { full_name: "role/hook" } };
      const first = await hooks.deliver("github", "push", payload, { deliveryId: "role-1" });
      expect(first).toEqual({ status: 202, body: { targets: 1 } });
      await hooks.idle();
      const again = await hooks.deliver("github", "push", payload, { deliveryId: "role-1" });
      expect(again.body).toMatchObject({ duplicate: true });
      expect((await pendingRows(app)).h).toBe(head);
      const [done] = await app<
        { n: number }[]
      >`SELECT count(*)::int AS n FROM drift_rechecks WHERE done_at IS NOT NULL`;
      expect(done?.n).toBe(1);
    });

    it("cannot delete or rewrite the platform's rows, drop or truncate tables, or touch the migrations", async () => {
      const refused = [
        app`DELETE FROM workspace_plugins`,
        app`UPDATE workspace_plugins SET source_raw = 'github://evil/x'`,
        app`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw) VALUES (gen_random_uuid(), 'x', 'y')`,
        app`DELETE FROM plugin_update_queue`,
        app`TRUNCATE drift_targets`,
        app`DROP TABLE drift_targets`,
        app`DROP TABLE workspace_plugins`,
        app`ALTER TABLE plugin_update_queue ADD COLUMN evil text`,
        app`INSERT INTO drift_migrations (id) VALUES ('999_evil')`,
        app`CREATE TABLE drift_evil (x int)`,
      ];
      for (const query of refused) {
        // 42501 insufficient_privilege (DROP/ALTER say "must be owner", the same SQLSTATE).
        await expect(query).rejects.toMatchObject({ code: "42501" });
      }
    });
  });
});
