/**
 * What a host answers, through a whole sweep: hostile text in an error, credentials the host rejects, and ETags
 * that must always stand for the stored SHA. (Edge cases found in review.)
 */
import { describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { givenDriftedPlugin, simResolver, sweep, TOKEN, useSweepEnvironment } from "../support/pipeline";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();

describe(`host answers in a sweep (${dbLabel})`, () => {
  it("a NUL byte in a host's error message neither fails the message nor loses the other targets' drift", async () => {
    env.sim.world.createRepo("nul/ok");
    const old = env.sim.world.revParse(env.sim.world.repo("nul/ok"), "refs/heads/main") as string;
    env.sim.world.commit("nul/ok", "main");
    env.sim.world.createRepo("nul/evil");
    await insertPlugins(env.db.sql, [
      {
        plugin_name: "ok",
        source_raw: `gitea://${env.sim.host}/nul/ok`,
        tracked_ref: "branch:main",
        installed_sha: old,
      },
      {
        plugin_name: "evil",
        source_raw: `gitea://${env.sim.host}/nul/evil`,
        tracked_ref: "branch:main",
        installed_sha: old,
      },
    ]);
    const fault = env.sim.faults.add({
      kind: "status",
      status: 403,
      message: "denied\u0000here",
      scope: "gitea",
      pathIncludes: "/nul/evil/",
    });
    const result = await sweep(env.db.sql, env.sim);
    env.sim.faults.remove(fault);
    expect(result.status).toBe("completed");
    expect(result.messages.deadLettered).toBe(0);
    expect(result.drift.new).toBe(1);
    const [evil] = await env.db
      .sql`SELECT last_error_kind, last_error FROM drift_targets WHERE key LIKE '%nul/evil%'`;
    expect(evil?.last_error_kind).toBe("forbidden");
    expect(evil?.last_error).not.toContain("\u0000");
  });

  it("rejected credentials do not back targets off: the sweep after the fix finds the drift at once", async () => {
    await givenDriftedPlugin(env, "cred/tool", { plugin_name: "t" });
    const bad = await sweep(env.db.sql, env.sim, {
      resolver: simResolver(env.sim, { auth: { token: "wrong-token" } }),
    });
    expect(bad.targets.failedByKind).toEqual({ forbidden: 1 });
    const [state] = await env.db
      .sql`SELECT consecutive_failures, next_check_at <= now() AS due FROM drift_targets`;
    expect(state).toEqual({ consecutive_failures: 0, due: true });
    const good = await sweep(env.db.sql, env.sim, {
      resolver: simResolver(env.sim, { auth: { token: TOKEN } }),
    });
    expect(good.targets.resolved).toBe(1);
    expect(good.drift.new).toBe(1);
  });

  it("an ETag always stands for the stored SHA: REST after GraphQL never reuses a stale answer", async () => {
    env.sim.world.createRepo("etag/tool");
    const a = env.sim.world.revParse(env.sim.world.repo("etag/tool"), "refs/heads/main") as string;
    await insertPlugins(env.db.sql, [
      { plugin_name: "t", source_raw: "github://etag/tool", tracked_ref: "branch:main", installed_sha: a },
    ]);
    const rest = () => simResolver(env.sim, { useGraphql: false });
    await sweep(env.db.sql, env.sim, { resolver: rest() });
    const etag = async () => (await env.db.sql`SELECT etag FROM drift_targets`)[0]?.etag;
    expect(await etag()).toBeTruthy();

    const b = env.sim.world.commit("etag/tool", "main");
    const viaGraphql = await sweep(env.db.sql, env.sim);
    expect(viaGraphql.drift.new).toBe(1);
    expect(await etag()).toBeNull();

    // Force-pushed back to the installed commit: the REST sweep must see A, not reuse B through a 304.
    env.sim.world.setBranch("etag/tool", "main", a);
    const back = await sweep(env.db.sql, env.sim, { resolver: rest() });
    expect(back.drift.superseded).toBe(1);
    const [row] = await env.db.sql`SELECT status, latest_sha FROM plugin_update_queue`;
    expect(row).toEqual({ status: "superseded", latest_sha: b });
  });
});
