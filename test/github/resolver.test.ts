import { generateKeyPairSync } from "node:crypto";
import type { Target } from "@drift/core";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { kind, resolveAll, resolverFor, sha, startSim, TOKEN, target } from "../support/github";

let sim: GitHubSim;

beforeAll(async () => {
  sim = await startSim({ installationToken: "ghs_InstallationTokenFromTheSimulator01" });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.clear();
  sim.resetCounters();
});

/** Every GraphQL variable value the simulator received, as `owner/name → qualified refs` per query. */
function refsAskedPerRepo(): Map<string, string[]> {
  const asked = new Map<string, string[]>();
  for (const r of sim.requests) {
    if (r.scope !== "graphql" || !r.variables) continue;
    const v = r.variables as Record<string, string>;
    const repoOfRef = new Map<number, string>();
    for (const [name, value] of Object.entries(v)) {
      const m = /^o(\d+)$/.exec(name);
      if (m) repoOfRef.set(Number(m[1]), `${value}/${v[`n${m[1]}`]}`.toLowerCase());
    }
    // q-aliases are numbered across the query; attribute them through the document's repository fields.
    for (const line of (r.query ?? "").split("\n")) {
      const m = /^\s*r(\d+): repository\(.*?\) \{ (.*) \}$/.exec(line);
      if (!m) continue;
      const repo = repoOfRef.get(Number(m[1])) as string;
      for (const q of (m[2] as string).matchAll(/ref\(qualifiedName: \$(q\d+)\)/g)) {
        asked.set(repo, [...(asked.get(repo) ?? []), v[q[1] as string] as string]);
      }
    }
  }
  return asked;
}

describe("GraphQL batching", () => {
  it("resolves 1,000 distinct targets over 400 repositories in a handful of GraphQL requests", async () => {
    const expected = new Map<string, string>();
    const targets: Target[] = [];
    for (let i = 0; i < 400; i++) {
      const repo = `org${i % 7}/plugin-${i}`;
      sim.world.createRepo(repo);
      const v1 = sim.world.tag(repo, "v1.0.0", { annotated: i % 2 === 0 });
      const head = sim.world.commit(repo, "main", "feature");
      const v11 = sim.world.tag(repo, "v1.1.0");
      sim.world.tag(repo, "v2.0.0-beta.1");
      targets.push(target(`github://${repo}`, "tag:v1.0.0"), target(`github://${repo}`, "branch:main"));
      expected.set(targets.at(-2)?.key as string, v1.commit);
      expected.set(targets.at(-1)?.key as string, head);
      if (i % 2 === 0) {
        targets.push(target(`github://${repo}`, "tag:latest"));
        expected.set(targets.at(-1)?.key as string, v11.commit);
      }
    }
    expect(new Set(targets.map((t) => t.key)).size).toBe(1000);
    const resolver = resolverFor(sim);
    const started = Date.now();
    const results = await resolveAll(resolver, targets);
    const ms = Date.now() - started;
    console.log(
      `1000 targets / 400 repos: ${sim.counters.graphql} GraphQL requests, ${sim.counters.points} points, ` +
        `max ${sim.counters.maxRepositoriesPerQuery} repositories per query, ${ms} ms`,
    );
    for (const t of targets) expect(sha(results.get(t.key)), t.key).toBe(expected.get(t.key));
    expect(sim.counters.graphql).toBeLessThanOrEqual(25);
    expect(sim.counters.rest).toBe(0);
    const stats = resolver.stats();
    expect(stats.graphqlRequests).toBe(sim.counters.graphql);
    expect(stats.pointsUsed).toBe(sim.counters.points);
    expect(stats.budgetRemaining?.graphql).toBe(sim.budgets.graphql.remaining);
  });

  it("looks each distinct (repository, ref) up once, however many rows share it", async () => {
    sim.world.createRepo("dup/shared");
    const tagged = sim.world.tag("dup/shared", "v3.0.0");
    const requests = [];
    for (let i = 0; i < 50; i++) {
      // different workspaces, and case variants of the same repository: one target key each
      requests.push({ target: target(i % 2 ? "github://dup/shared" : "github://DUP/Shared", "tag:v3.0.0") });
      requests.push({ target: target("https://github.com/dup/shared.git", "ref:v3.0.0") });
    }
    const results = await resolverFor(sim).resolve(requests);
    expect(results.size).toBe(2);
    for (const r of results.values()) expect(sha(r)).toBe(tagged.commit);
    expect(sim.counters.graphql).toBe(1);
    // tag:v3.0.0 and ref:v3.0.0 share the refs/tags/v3.0.0 lookup; ref: adds the branch candidate
    expect(refsAskedPerRepo().get("dup/shared")?.sort()).toEqual(["refs/heads/v3.0.0", "refs/tags/v3.0.0"]);
  });

  it("groups every ref of one repository under one repository field", async () => {
    sim.world.createRepo("group/one");
    sim.world.tag("group/one", "a");
    sim.world.tag("group/one", "b");
    sim.world.setBranch("group/one", "dev");
    const targets = ["tag:a", "tag:b", "branch:dev", "branch:main", "tag:latest"].map((r) =>
      target("github://group/one", r),
    );
    await resolveAll(resolverFor(sim), targets);
    expect(sim.counters.graphql).toBe(1);
    expect(sim.counters.maxRepositoriesPerQuery).toBe(1);
  });
});

describe("ref semantics", () => {
  it("peels annotated and nested (tag of tag) tags to the commit, never a tag object", async () => {
    sim.world.createRepo("peel/deep");
    const light = sim.world.tag("peel/deep", "light");
    const annotated = sim.world.tag("peel/deep", "annotated", { annotated: true });
    const nested = sim.world.tag("peel/deep", "nested", { annotated: true, nesting: 2 });
    const veryDeep = sim.world.tag("peel/deep", "very-deep", { annotated: true, nesting: 9 });
    expect(annotated.ref).not.toBe(annotated.commit);
    const targets = ["light", "annotated", "nested", "very-deep"].map((n) =>
      target("github://peel/deep", `tag:${n}`),
    );
    const results = await resolveAll(resolverFor(sim), targets);
    expect(sha(results.get(targets[0]?.key as string))).toBe(light.commit);
    expect(sha(results.get(targets[1]?.key as string))).toBe(annotated.commit);
    expect(sha(results.get(targets[2]?.key as string))).toBe(nested.commit);
    expect(sha(results.get(targets[3]?.key as string))).toBe(veryDeep.commit);
    const tagObjects = [...sim.world.repo("peel/deep").objects.values()]
      .filter((o) => o.type === "tag")
      .map((o) => o.sha);
    for (const r of results.values()) expect(tagObjects).not.toContain(sha(r));
    console.log(`peeling a 10-level tag chain took ${sim.counters.graphql} GraphQL requests`);
  });

  it("sees a moved tag, a new branch head, a deleted repository and a missing ref, each for its own targets", async () => {
    sim.world.createRepo("life/cycle");
    sim.world.createRepo("life/doomed");
    sim.world.tag("life/cycle", "v1", { annotated: true });
    sim.world.tag("life/doomed", "v1");
    const targets = [
      target("github://life/cycle", "tag:v1"),
      target("github://life/cycle", "branch:main"),
      target("github://life/doomed", "tag:v1"),
      target("github://life/cycle", "tag:v404"),
      target("github://life/cycle", "branch:gone"),
    ];
    const resolver = resolverFor(sim);
    const before = await resolveAll(resolver, targets);
    expect(kind(before.get(targets[2]?.key as string))).toBe("resolved");

    const moved = sim.world.commit("life/cycle", "main", "force-moved");
    sim.world.moveTag("life/cycle", "v1", moved);
    sim.world.deleteRepo("life/doomed");
    const after = await resolveAll(resolver, targets);
    expect(sha(after.get(targets[0]?.key as string))).toBe(moved);
    expect(sha(before.get(targets[0]?.key as string))).not.toBe(moved);
    expect(sha(after.get(targets[1]?.key as string))).toBe(moved);
    const doomed = after.get(targets[2]?.key as string);
    expect(kind(doomed)).toBe("not_found");
    expect(doomed?.status === "failed" && doomed.message).toContain("life/doomed");
    expect(kind(after.get(targets[3]?.key as string))).toBe("not_found");
    expect(kind(after.get(targets[4]?.key as string))).toBe("not_found");
  });

  it("ref:NAME prefers the branch, falls back to the tag; sha:HEX needs no lookup", async () => {
    sim.world.createRepo("refs/both");
    const tagOnly = sim.world.tag("refs/both", "release", { annotated: true });
    const tagSame = sim.world.tag("refs/both", "stable");
    const branchHead = sim.world.commit("refs/both", "stable", "branch named like a tag");
    const pinned = target("github://refs/both", "sha:ABCDEF1234567");
    const targets = [
      target("github://refs/both", "ref:release"),
      target("github://refs/both", "ref:stable"),
      pinned,
    ];
    const results = await resolveAll(resolverFor(sim), targets);
    expect(sha(results.get(targets[0]?.key as string))).toBe(tagOnly.commit);
    expect(sha(results.get(targets[1]?.key as string))).toBe(branchHead);
    expect(branchHead).not.toBe(tagSame.commit);
    expect(sha(results.get(pinned.key))).toBe("abcdef1234567");
    sim.resetCounters();
    await resolveAll(resolverFor(sim), [pinned]);
    expect(sim.counters.graphql + sim.counters.rest).toBe(0);
  });

  it("tag:latest and semver:RANGE page through more than 100 tags, ignore prereleases, and name the tag", async () => {
    const repo = "semver/many";
    sim.world.createRepo(repo);
    const commits = new Map<string, string>();
    for (let minor = 0; minor < 130; minor++) {
      const name = minor % 3 === 0 ? `v1.${minor}.0` : `1.${minor}.0`;
      commits.set(
        name,
        sim.world.tag(repo, name, { annotated: minor % 2 === 0, target: sim.world.commit(repo) }).commit,
      );
    }
    commits.set("v2.0.0-rc.1", sim.world.tag(repo, "v2.0.0-rc.1").commit);
    commits.set("v0.9.9", sim.world.tag(repo, "v0.9.9").commit);
    sim.world.tag(repo, "nightly");
    sim.world.tag(repo, "zzz-not-a-version");
    const latest = target(`github://${repo}`, "tag:latest");
    const caret = target(`github://${repo}`, "semver:^1.40");
    const tilde = target(`github://${repo}`, "semver:~1.7.0");
    const zero = target(`github://${repo}`, "semver:<1.0.0");
    const pre = target(`github://${repo}`, "semver:>=2.0.0-rc.0");
    const none = target(`github://${repo}`, "semver:^7");
    const results = await resolveAll(resolverFor(sim), [latest, caret, tilde, zero, pre, none]);
    const tagOf = (t: Target) => {
      const r = results.get(t.key);
      return r?.status === "resolved" ? r.tag : kind(r);
    };
    expect(tagOf(latest)).toBe("v1.129.0");
    expect(sha(results.get(latest.key))).toBe(commits.get("v1.129.0"));
    expect(tagOf(caret)).toBe("v1.129.0");
    expect(tagOf(tilde)).toBe("1.7.0");
    expect(sha(results.get(tilde.key))).toBe(commits.get("1.7.0"));
    expect(tagOf(zero)).toBe("v0.9.9");
    expect(tagOf(pre)).toBe("v2.0.0-rc.1");
    expect(tagOf(none)).toBe("not_found");
    // 134 tags: 2 pages, both fetched once for all six targets
    expect(sim.counters.graphql).toBe(2);
  });

  it("follows a renamed repository like GitHub does", async () => {
    sim.world.createRepo("old/name");
    const v = sim.world.tag("old/name", "v1");
    sim.world.renameRepo("old/name", "new/name");
    const results = await resolveAll(resolverFor(sim), [target("github://old/name", "tag:v1")]);
    expect(sha([...results.values()][0])).toBe(v.commit);
  });

  it("passes ref names as variables, so quotes and braces in a name cannot change the query", async () => {
    sim.world.createRepo("odd/names");
    const odd = `we"ird}{$tag'#`;
    const t = sim.world.tag("odd/names", odd);
    const results = await resolveAll(resolverFor(sim), [target("github://odd/names", `tag:${odd}`)]);
    expect(sha([...results.values()][0])).toBe(t.commit);
    const sent = sim.requests.find((r) => r.scope === "graphql");
    expect(sent?.query).not.toContain("ird");
    expect(Object.values(sent?.variables ?? {})).toContain(`refs/tags/${odd}`);
  });
});

describe("hosts and credentials", () => {
  it("derives the GHES GraphQL endpoint (/api/graphql) from an /api/v3 REST URL", async () => {
    sim.world.createRepo("ghes/plugin");
    const v = sim.world.tag("ghes/plugin", "v1");
    const results = await resolveAll(resolverFor(sim, { githubApiUrl: sim.enterpriseUrl }), [
      target("github://ghes/plugin", "tag:v1"),
    ]);
    expect(sha([...results.values()][0])).toBe(v.commit);
    expect(sim.counters.byPath["POST /api/graphql"]).toBe(1);
  });

  it("authenticates as a GitHub App installation (@octokit/auth-app)", async () => {
    sim.world.createRepo("app/plugin");
    const v = sim.world.tag("app/plugin", "v1");
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const resolver = resolverFor(sim, { auth: { appId: 12345, privateKey, installationId: 678 } });
    const first = await resolveAll(resolver, [target("github://app/plugin", "tag:v1")]);
    const again = await resolveAll(resolver, [target("github://app/plugin", "branch:main")]);
    expect(sha([...first.values()][0])).toBe(v.commit);
    expect(kind([...again.values()][0])).toBe("resolved");
    // one installation token, cached for the second call
    expect(sim.counters.byPath["POST /app/installations/678/access_tokens"]).toBe(1);
    expect(TOKEN).not.toBe("ghs_InstallationTokenFromTheSimulator01");

    // Review packets' comparisons go through a client of their own (no throttling queues): same App token.
    const next = sim.world.commit("app/plugin", "main");
    const unauthorized = sim.counters.unauthorized;
    const t = target("github://app/plugin", "branch:main");
    const answers = await resolver.review?.([
      { target: t, latestSha: next, releaseTag: null, commit: true, currents: [v.commit] },
    ]);
    const answer = [...(answers?.values() ?? [])][0];
    expect(answer?.compares.get(v.commit)).toEqual({ ok: true, value: { commitsAhead: 1, related: true } });
    expect(answer?.commit?.ok).toBe(true);
    expect(sim.counters.unauthorized).toBe(unauthorized);
    expect(sim.counters.byPath["POST /app/installations/678/access_tokens"]).toBe(1);
  });
});
