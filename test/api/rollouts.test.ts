import { randomUUID } from "node:crypto";
import { createAdminApp } from "@drift/api";
import { beforeEach, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, call, recordingNotifier } from "../support/api";
import { dbLabel } from "../support/db";
import { useSweepEnvironment } from "../support/pipeline";
import { fakeClock, givenGroup, MINUTE } from "../support/rollouts";

const env = useSweepEnvironment();
beforeEach(async () => {
  await env.db
    .sql`TRUNCATE drift_rollouts, drift_rollout_waves, drift_rollout_rows, drift_event_outbox CASCADE`;
});

function app() {
  const clock = fakeClock();
  const metrics: string[] = [];
  const admin = createAdminApp({
    sql: env.db.sql,
    auth: { mode: "bearer", token: ADMIN_TOKEN },
    corsOrigins: [],
    notifier: recordingNotifier(),
    now: clock.now,
    onRollout: (event, n) => metrics.push(`${event}:${n}`),
  });
  const send = (method: string, path: string, body?: unknown) =>
    call(admin, method, path, {
      ...(body === undefined
        ? {}
        : {
            body: typeof body === "string" ? body : JSON.stringify(body),
            headers: { "content-type": "application/json" },
          }),
    });
  return { send, clock, metrics };
}

/** Everything a refused request could have changed. */
const snapshot = async () => ({
  queue: await env.db.sql`SELECT id, status, latest_sha, decided_by FROM plugin_update_queue ORDER BY id`,
  plugins: await env.db.sql`SELECT id, installed_sha FROM workspace_plugins ORDER BY id`,
  rollouts: await env.db.sql`SELECT id, status FROM drift_rollouts ORDER BY id`,
  rows: await env.db
    .sql`SELECT rollout_id, queue_id, state, health FROM drift_rollout_rows ORDER BY rollout_id, queue_id`,
});

describe(`rollouts over the admin API (${dbLabel})`, () => {
  it("creates a rollout whose 201 reports the first wave, then shows, lists, reports, pauses and cancels", async () => {
    const g = await givenGroup(env, "api/ro", 41);
    const { send, clock, metrics } = app();
    const res = await send("POST", "/admin/rollouts", {
      ids: g.ids,
      waves: [
        { size: 1, soak: "30m", workspaces: [g.workspaces[7]] },
        { size: "10%", soak: "1h" },
        { size: "rest" },
      ],
      rollback_on_halt: true,
      reason: "lint 1.1",
    });
    expect(res.status).toBe(201);
    const rollout = res.json();
    expect(rollout).toMatchObject({
      status: "running",
      latest_sha: g.v11,
      tracked_ref: "tag:latest",
      repository: { owner: "api", name: "ro" },
      reports: { ok: 0, failed: 0 },
      created_by: "token",
      reason: "lint 1.1",
      soak_remaining_ms: 30 * MINUTE,
    });
    expect(rollout.waves).toEqual([
      expect.objectContaining({ size: 1, soak: "30m", status: "soaking", applied: 1, failed: 0, left: 0 }),
      expect.objectContaining({ size: "10%", soak: "1h", status: "waiting", applied: 0 }),
      expect.objectContaining({ size: "rest", soak: "0", status: "waiting", applied: 0 }),
    ]);
    // The canary went first.
    const [canary] = await env.db.sql`SELECT workspace_id FROM plugin_update_queue WHERE status = 'applied'`;
    expect(canary?.workspace_id).toBe(g.workspaces[7]);
    expect(metrics).toEqual(["wave_started:1"]);

    expect((await send("GET", `/admin/rollouts/${rollout.id}`)).json().id).toBe(rollout.id);
    expect((await send("GET", "/admin/rollouts?status=running")).json().items).toHaveLength(1);
    expect((await send("GET", "/admin/rollouts?status=halted")).json().items).toHaveLength(0);
    expect((await send("GET", "/admin/rollouts?status=nope")).status).toBe(400);

    const ok = await send("POST", `/admin/rollouts/${rollout.id}/reports`, {
      workspace_id: g.workspaces[7],
      plugin_name: "lint",
      ok: true,
      detail: "restarted fine",
    });
    expect(ok.status).toBe(202);
    expect(ok.json()).toEqual({ status: "recorded", rollout_status: "running" });

    expect((await send("POST", `/admin/rollouts/${rollout.id}/pause`)).json().status).toBe("paused");
    clock.advance(2 * 60 * MINUTE);
    expect((await send("POST", `/admin/rollouts/${rollout.id}/resume`)).json().waves[1].applied).toBe(4);
    const cancelled = await send("POST", `/admin/rollouts/${rollout.id}/cancel`);
    expect(cancelled.json()).toMatchObject({ status: "cancelled", reports: { ok: 1, failed: 0 } });
    const again = await send("POST", `/admin/rollouts/${rollout.id}/resume`);
    expect(again.status).toBe(409);
    expect(again.json().error.code).toBe("rollout_cancelled");
  });

  it("a failing report halts and rolls back; the report answers 202", async () => {
    const g = await givenGroup(env, "api/halt", 5);
    const { send, metrics } = app();
    const { id } = (
      await send("POST", "/admin/rollouts", {
        ids: g.ids,
        waves: [{ size: 2, soak: "1h" }, {}],
        rollback_on_halt: true,
      })
    ).json();
    const [first] = await env.db
      .sql`SELECT workspace_id FROM plugin_update_queue WHERE status = 'applied' LIMIT 1`;
    const res = await send("POST", `/admin/rollouts/${id}/reports`, {
      workspace_id: first?.workspace_id,
      plugin_name: "lint",
      ok: false,
      detail: "crash loop",
    });
    expect(res.status).toBe(202);
    expect(res.json().rollout_status).toBe("halted");
    expect(metrics).toEqual(["wave_started:1", "halted:1", "rolled_back:2"]);
    const statuses = await env.db
      .sql`SELECT status, count(*)::int AS n FROM plugin_update_queue GROUP BY 1 ORDER BY 1`;
    expect(statuses).toEqual([
      { status: "pending", n: 3 },
      { status: "rolled_back", n: 2 },
    ]);
  });

  it("refuses bad input with a clear 4xx and leaves the database unchanged", async () => {
    const g = await givenGroup(env, "api/bad", 6);
    const other = await givenGroup(env, "api/other", 2, "fmt");
    const { send } = app();
    const { id: running } = (
      await send("POST", "/admin/rollouts", {
        ids: g.ids.slice(4),
        waves: [{ size: 1, soak: "1h" }, { size: "rest" }],
      })
    ).json();
    const before = await snapshot();
    const ids = g.ids.slice(0, 4);
    const cases: [unknown, number, string, RegExp?][] = [
      ["not json", 400, "invalid_body", /JSON/],
      [{ ids: [...ids, other.ids[0]], waves: [{ size: "rest" }] }, 409, "mixed_drift"],
      [{ ids: [...ids, g.ids[5]], waves: [{ size: "rest" }] }, 409, "in_rollout"],
      [{ ids: [...ids, randomUUID()], waves: [{ size: "rest" }] }, 409, "not_pending"],
      [{ ids, waves: [] }, 400, "invalid_body", /1 to 10 waves/],
      [
        { ids, waves: Array.from({ length: 11 }, () => ({ size: 1, soak: "1m" })) },
        400,
        "invalid_body",
        /1 to 10/,
      ],
      [{ ids, waves: [{ size: 0, soak: "1h" }, { size: "rest" }] }, 400, "invalid_body", /waves\.0\.size/],
      [{ ids, waves: [{ size: "150%", soak: "1h" }, { size: "rest" }] }, 400, "invalid_body", /percentage/],
      [{ ids, waves: [{ size: "rest", soak: "1h" }, { size: 1 }] }, 400, "invalid_body", /only the last/],
      [
        { ids, waves: [{ size: 1, soak: "soon" }, { size: "rest" }] },
        400,
        "invalid_body",
        /waves\.0\.soak: a duration/,
      ],
      [{ ids: ["nope"], waves: [{ size: "rest" }] }, 400, "invalid_body", /UUID/],
      [{ ids: [], waves: [{ size: "rest" }] }, 400, "invalid_body", /1 to 5000/],
      [{ ids, waves: [{ size: "rest" }], extra: 1 }, 400, "invalid_body", /extra/],
      [
        { ids, waves: [{ size: 1, workspaces: [randomUUID()] }, { size: "rest" }] },
        400,
        "invalid_body",
        /no row/,
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await send("POST", "/admin/rollouts", body);
      expect([res.status, res.json().error.code], JSON.stringify(body).slice(0, 120)).toEqual([status, code]);
      if (message) expect(res.json().error.message).toMatch(message);
    }
    // An id not pending (applied by the running rollout's first wave).
    const [applied] = await env.db.sql`SELECT id FROM plugin_update_queue WHERE status = 'applied'`;
    const notPending = await send("POST", "/admin/rollouts", {
      ids: [applied?.id],
      waves: [{ size: "rest" }],
    });
    expect([notPending.status, notPending.json().error.code]).toEqual([409, "not_pending"]);
    // Reports: outside the rollout, unknown rollout, malformed.
    const outside = await send("POST", `/admin/rollouts/${running}/reports`, {
      workspace_id: g.workspaces[0],
      plugin_name: "lint",
      ok: false,
    });
    expect([outside.status, outside.json().error.code]).toEqual([409, "not_in_rollout"]);
    expect(
      (
        await send("POST", `/admin/rollouts/${randomUUID()}/reports`, {
          workspace_id: g.workspaces[0],
          plugin_name: "lint",
          ok: true,
        })
      ).status,
    ).toBe(404);
    expect((await send("POST", `/admin/rollouts/${running}/reports`, { ok: "yes" })).status).toBe(400);
    expect((await send("POST", "/admin/rollouts/nope/pause")).status).toBe(400);
    expect((await send("POST", `/admin/rollouts/${randomUUID()}/cancel`)).status).toBe(404);
    expect((await send("GET", `/admin/rollouts/${randomUUID()}`)).status).toBe(404);
    expect((await send("DELETE", "/admin/rollouts")).status).toBe(405);
    expect(await snapshot()).toEqual(before);
  });
});
