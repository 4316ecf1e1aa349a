/**
 * Policy and rollout actions in the decision log (issue 25, migration 022): `policy set|rm` and a rollout's start,
 * pause, resume, cancel and halt are entries beside the decisions on updates, newest first, with who, when, why
 * and from → to; the log stays append-only; a workspace token and update-only filters do not see them.
 */
import { listHistory } from "@drift/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, seedUpdate, type TestApp, testAdminApp } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { sha } from "../support/seed";

let db: TestDb;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDb();
  t = testAdminApp(db.sql);
});
afterAll(async () => db?.close());

const send = (method: string, path: string, body?: unknown) =>
  call(t.app, method, path, {
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });

interface Entry {
  subject: string;
  id: string;
  action: string;
  from_status: string | null;
  status: string | null;
  from: Record<string, unknown> | null;
  to: Record<string, unknown> | null;
  decided_by: string;
  decision_reason: string | null;
  workspace_id: string | null;
  plugin_name: string | null;
}

async function history(query = ""): Promise<Entry[]> {
  const res = await call(t.app, "GET", `/admin/plugin-updates?history=true&limit=100${query}`);
  expect(res.status, res.text).toBe(200);
  return res.json().items;
}

describe(`policy and rollout actions in the decision log (${dbLabel})`, () => {
  it("policy set and rm: who, when, the policy before → after, newest first; append-only", async () => {
    const created = await send("PUT", "/admin/policies", { auto_apply: "patch", min_release_age: "3d" });
    expect(created.status, created.text).toBe(201);
    const id = created.json().id as string;
    expect((await send("PUT", "/admin/policies", { auto_apply: "minor" })).status).toBe(200);
    const ws = "0b8f3c1e-8d7a-4b52-9f0e-3c2d1a0b9e8f";
    const plugin = await send("PUT", "/admin/policies", {
      workspace_id: ws,
      plugin_name: "lint",
      auto_apply: "none",
      require: "signed",
    });
    expect(plugin.status).toBe(201);
    expect((await send("DELETE", `/admin/policies/${id}`)).status).toBe(200);
    expect((await send("DELETE", `/admin/policies/${id}`)).status).toBe(404); // nothing removed: nothing logged

    const entries = (await history()).filter((e) => e.subject === "policy");
    expect(entries.map((e) => [e.action, e.id, e.decided_by])).toEqual([
      ["policy_rm", id, "token"],
      ["policy_set", plugin.json().id, "token"],
      ["policy_set", id, "token"],
      ["policy_set", id, "token"],
    ]);
    const [rm, scoped, changed, first] = entries;
    expect(first?.from).toBeNull();
    expect(first?.to).toMatchObject({ id, auto_apply: "patch", min_release_age: "3d", workspace_id: null });
    expect(changed?.from).toMatchObject({ auto_apply: "patch", min_release_age: "3d" });
    expect(changed?.to).toMatchObject({ auto_apply: "minor", min_release_age: null });
    expect(rm?.from).toMatchObject({ id, auto_apply: "minor" });
    expect(rm?.to).toBeNull();
    expect(scoped).toMatchObject({ workspace_id: ws, plugin_name: "lint", to: { require: "signed" } });

    // A plugin's history shows its policy changes; filters only queue rows have hide them.
    const lint = await listHistory(db.sql, { pluginName: "lint", limit: 10 });
    expect(lint.items.map((e) => e.action)).toEqual(["policy_set"]);
    expect((await listHistory(db.sql, { repository: "acme", limit: 10 })).items).toEqual([]);
    // A workspace token sees its workspace's decisions only: never the operators' policy actions.
    expect((await listHistory(db.sql, { scope: ws, limit: 10 })).items).toEqual([]);

    await expect(
      db.sql`UPDATE drift_decision_log SET decided_by = 'someone else' WHERE subject_id = ${id}`,
    ).rejects.toThrow(/append-only/);
    await expect(db.sql`DELETE FROM drift_decision_log WHERE subject = 'policy'`).rejects.toThrow(
      /append-only/,
    );
  });

  it("a rollout's start, pause, resume, cancel and halt, with the waves' applies between them", async () => {
    const drift = { plugin_name: "fleet", current_sha: sha("fleet-a"), latest_sha: sha("fleet-b") };
    const rows = [];
    for (let i = 0; i < 3; i++) rows.push(await seedUpdate(db.sql, drift));
    const started = await send("POST", "/admin/rollouts", {
      ids: rows.map((r) => r.id),
      waves: [{ size: 1, soak: "1h" }, { size: "rest" }],
      reason: "canary first",
    });
    expect(started.status, started.text).toBe(201);
    const id = started.json().id as string;
    for (const action of ["pause", "resume", "cancel"])
      expect((await send("POST", `/admin/rollouts/${id}/${action}`)).status).toBe(200);
    // Cancelling again changes nothing and logs nothing.
    expect((await send("POST", `/admin/rollouts/${id}/cancel`)).status).toBe(200);

    const entries = (await history()).filter(
      (e) => e.subject === "rollout" || e.decided_by === `rollout:${id}`,
    );
    expect(entries.map((e) => [e.action, e.from_status, e.status, e.decided_by])).toEqual([
      ["rollout_cancel", "running", "cancelled", "token"],
      ["rollout_resume", "paused", "running", "token"],
      ["rollout_pause", "running", "paused", "token"],
      ["apply", "pending", "applied", `rollout:${id}`],
      ["rollout_start", null, "running", "token"],
    ]);
    const start = entries[entries.length - 1];
    expect(start).toMatchObject({ id, decision_reason: "canary first", to: { rows: 3, waves: [1, 2] } });
    expect(start?.to?.latest_sha).toBe(drift.latest_sha);

    // Halted on its health reports: logged as the rollout's own act, with why.
    const more = [];
    for (let i = 0; i < 2; i++) more.push(await seedUpdate(db.sql, { ...drift, latest_sha: sha("fleet-c") }));
    const second = await send("POST", "/admin/rollouts", {
      ids: more.map((r) => r.id),
      waves: [{ size: 1, soak: "1h" }, { size: "rest" }],
    });
    expect(second.status, second.text).toBe(201);
    const halting = second.json().id as string;
    const [applied] = more;
    const report = await send("POST", `/admin/rollouts/${halting}/reports`, {
      workspace_id: applied?.workspace_id,
      plugin_name: "fleet",
      ok: false,
    });
    expect(report.status, report.text).toBe(202);
    const [halt] = (await history()).filter((e) => e.subject === "rollout" && e.id === halting);
    expect(halt).toMatchObject({
      action: "rollout_halt",
      from_status: "running",
      status: "halted",
      decided_by: `rollout:${halting}`,
      decision_reason: "1 failure(s) reported, 0 allowed",
    });
  });
});
