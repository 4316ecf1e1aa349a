import { randomUUID } from "node:crypto";
import { createSweepStore } from "@drift/db";
import { beforeEach, describe, expect, it } from "vitest";
import { dbLabel } from "../support/db";
import { simResolver, sweep, useSweepEnvironment } from "../support/pipeline";
import { clearPackets, packets } from "../support/review";
import { insertPlugins } from "../support/seed";

const env = useSweepEnvironment();
beforeEach(async () => {
  await clearPackets(env.db.sql);
  env.sim.faults.clear();
});

const dateOf = (repo: string, sha: string) => {
  const o = env.sim.world.repo(repo).objects.get(sha);
  return o?.type === "commit" ? new Date(o.date) : undefined;
};

describe(`review packets (${dbLabel})`, () => {
  it("GitHub (GraphQL and REST) and Gitea give the same true fields, and null where nothing is known", async () => {
    const w = env.sim.world;
    const giteaSource = (repo: string) => `gitea://${env.sim.host}/${repo}`;
    const installed: Record<string, string> = {};
    for (const repo of ["pk/gql", "pk/rest", "pk/tea"]) {
      w.createRepo(repo);
      installed[repo] = w.tag(repo, "v1.0.0").commit;
      w.commit(repo, "main", "fix");
      w.commit(repo, "main", "feature", { signature: "valid" });
      w.tag(repo, "v1.1.0", { annotated: true });
      w.release(repo, "v1.1.0", {
        name: "Feature release",
        body: "<b>bold</b> notes\n- item",
        prerelease: true,
      });
    }
    w.createRepo("pk/branchy");
    const branchFrom = w.commit("pk/branchy", "main", "one");
    w.commit("pk/branchy", "main", "two");
    w.createRepo("pk/moved");
    const movedFrom = w.tag("pk/moved", "v2").commit;
    const orphan = w.commit("pk/moved", "other", "rewritten", { orphan: true, signature: "invalid" });
    w.moveTag("pk/moved", "v2", orphan);
    await insertPlugins(env.db.sql, [
      { source_raw: "github://pk/gql", tracked_ref: "tag:latest", installed_sha: installed["pk/gql"] },
      { source_raw: "github://pk/rest", tracked_ref: "tag:latest", installed_sha: installed["pk/rest"] },
      { source_raw: giteaSource("pk/tea"), tracked_ref: "semver:^1", installed_sha: installed["pk/tea"] },
      { source_raw: "github://pk/branchy", tracked_ref: "branch:main", installed_sha: branchFrom },
      { source_raw: "github://pk/moved", tracked_ref: "tag:v2", installed_sha: movedFrom },
    ]);
    // pk/rest goes through a REST-only resolver in a second sweep: same fields.
    await env.db.sql`UPDATE workspace_plugins SET tracked_ref = 'none' WHERE source_raw = 'github://pk/rest'`;
    await sweep(env.db.sql, env.sim);
    await env.db
      .sql`UPDATE workspace_plugins SET tracked_ref = 'tag:latest' WHERE source_raw = 'github://pk/rest'`;
    await sweep(env.db.sql, env.sim, { resolver: simResolver(env.sim, { useGraphql: false }) });

    const rows = await packets(env.db.sql);
    const by = (fragment: string) => rows.find((r) => r.target_key.includes(fragment));
    for (const repo of ["pk/gql", "pk/rest", "pk/tea"]) {
      const r = by(repo);
      const latest = r?.latest_sha as string;
      const web = repo === "pk/tea" ? env.sim.url : env.sim.url;
      expect(r).toMatchObject({
        packet_status: "complete",
        compare_status: "complete",
        repo_url: `${web}/${repo}`,
        from_version: "v1.0.0",
        to_version: "v1.1.0",
        commits_ahead: 2,
        related: true,
        signature: "valid",
        release: {
          tag: "v1.1.0",
          name: "Feature release",
          url: `${web}/${repo}/releases/tag/v1.1.0`,
          prerelease: true,
          notes: "<b>bold</b> notes\n- item",
        },
      });
      expect(r?.committed_at?.getTime()).toBe(dateOf(repo, latest)?.getTime());
      expect(typeof r?.release?.published_at).toBe("string");
    }
    // A branch: its name is the version it moves to; nothing says which version is installed; no release.
    expect(by("pk/branchy")).toMatchObject({
      to_version: "main",
      from_version: null,
      commits_ahead: 1,
      signature: "unsigned",
      release: null,
    });
    // A tag moved onto an unrelated history: no commit count, no comparison, the host's verdict on the signature.
    expect(by("pk/moved")).toMatchObject({
      to_version: "v2",
      commits_ahead: null,
      related: false,
      signature: "invalid",
      release: null,
      compare_status: "complete",
    });
  });

  it("1,000 rows sharing one drift cost one packet fetch (counted requests), and later sweeps none", async () => {
    const w = env.sim.world;
    w.createRepo("pk/fleet");
    const from = w.tag("pk/fleet", "v1.0.0").commit;
    w.commit("pk/fleet");
    w.tag("pk/fleet", "v1.1.0");
    await insertPlugins(
      env.db.sql,
      Array.from({ length: 1000 }, () => ({
        workspace_id: randomUUID(),
        plugin_name: "fleet",
        source_raw: "github://pk/fleet",
        tracked_ref: "tag:latest",
        installed_sha: from,
      })),
    );
    const before = { ...env.sim.counters };
    const first = await sweep(env.db.sql, env.sim);
    expect(first.drift.new).toBe(1000);
    // 1 GraphQL query resolves the target, 1 fetches the packet, 1 REST compare.
    expect(env.sim.counters.graphql - before.graphql).toBe(2);
    expect(env.sim.counters.rest - before.rest).toBe(1);
    expect(first.github.requests).toBe(3);
    expect(await packets(env.db.sql)).toMatchObject([
      { rows: 1000, packet_status: "complete", commits_ahead: 1 },
    ]);
    const again = { ...env.sim.counters };
    await sweep(env.db.sql, env.sim);
    expect(env.sim.counters.graphql - again.graphql).toBe(1);
    expect(env.sim.counters.rest - again.rest).toBe(0);
  });

  it("a first sweep fetches its drifts' packets while it writes their drift rows, each once", async () => {
    const w = env.sim.world;
    w.createRepo("pk/overlap");
    const from = w.tag("pk/overlap", "v1.0.0").commit;
    w.commit("pk/overlap");
    w.tag("pk/overlap", "v1.1.0");
    await insertPlugins(
      env.db.sql,
      Array.from({ length: 3 }, () => ({
        workspace_id: randomUUID(),
        plugin_name: "overlap",
        source_raw: "github://pk/overlap",
        tracked_ref: "tag:latest",
        installed_sha: from,
      })),
    );
    const real = createSweepStore(env.db.sql);
    const before = { ...env.sim.counters };
    // A slow write (a loaded database): what the host has served by the time the drift rows are committed.
    let servedByCommit: { graphql: number; rest: number } | undefined;
    const store: typeof real = {
      ...real,
      async recordOutcomes(...args) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        const recorded = await real.recordOutcomes(...args);
        servedByCommit = {
          graphql: env.sim.counters.graphql - before.graphql,
          rest: env.sim.counters.rest - before.rest,
        };
        return recorded;
      },
    };
    const first = await sweep(env.db.sql, env.sim, { store });
    expect(first.drift.new).toBe(3);
    // The resolution query, then the packet query and the comparison, all served before the write ended.
    expect(servedByCommit).toEqual({ graphql: 2, rest: 1 });
    // And nothing asked twice once the rows were there (one packet, one comparison for the three rows).
    expect(env.sim.counters.graphql - before.graphql).toBe(2);
    expect(env.sim.counters.rest - before.rest).toBe(1);
    expect(await packets(env.db.sql)).toMatchObject([
      {
        rows: 3,
        packet_status: "complete",
        compare_status: "complete",
        commits_ahead: 1,
        to_version: "v1.1.0",
      },
    ]);
  });

  it("a packet that cannot be fetched leaves the drift row intact, its fields null, and is retried", async () => {
    const w = env.sim.world;
    w.createRepo("pk/flaky");
    const from = w.tag("pk/flaky", "v1.0.0").commit;
    w.commit("pk/flaky");
    w.tag("pk/flaky", "v1.1.0");
    w.release("pk/flaky", "v1.1.0", { body: "notes" });
    await insertPlugins(env.db.sql, [
      { source_raw: "github://pk/flaky", tracked_ref: "tag:latest", installed_sha: from },
      { source_raw: `gitea://${env.sim.host}/pk/flaky`, tracked_ref: "tag:latest", installed_sha: from },
    ]);
    env.sim.faults.add({ kind: "status", status: 500, pathIncludes: "/compare/" });
    env.sim.faults.add({ kind: "status", status: 503, scope: "gitea", pathIncludes: "/releases/" });
    const first = await sweep(env.db.sql, env.sim);
    expect(first.status).toBe("completed");
    expect(first.drift.new).toBe(2);
    const failed = await packets(env.db.sql);
    expect(failed).toHaveLength(2);
    for (const r of failed) {
      expect(r.compare_status).toBe("failed");
      expect(r.commits_ahead).toBeNull();
      expect(r.related).toBeNull();
    }
    const gitea = failed.find((r) => r.target_key.startsWith("gitea"));
    expect(gitea).toMatchObject({
      packet_status: "failed",
      signature: null,
      release: null,
      committed_at: null,
    });

    env.sim.faults.clear();
    const second = await sweep(env.db.sql, env.sim);
    expect(second.drift).toMatchObject({ new: 0, refreshed: 0 });
    for (const r of await packets(env.db.sql))
      expect(r).toMatchObject({ packet_status: "complete", compare_status: "complete", commits_ahead: 1 });
  });
});
