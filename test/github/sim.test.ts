import { type GitHubSim, startGitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

const TOKEN = "sim-test-token-000000000000000001";
let sim: GitHubSim;
const auth = { authorization: `token ${TOKEN}` };

async function gql(query: string, variables?: Record<string, unknown>) {
  const res = await fetch(sim.graphqlUrl, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { data?: Record<string, unknown> | null; errors?: Record<string, unknown>[] },
  };
}

beforeAll(async () => {
  sim = await startGitHubSim({ token: TOKEN });
  sim.world.createRepo("sim/repo");
  for (let i = 0; i < 250; i++) sim.world.tag("sim/repo", `t${String(i).padStart(3, "0")}`);
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  sim.faults.clear();
  sim.resetCounters();
});

describe("GraphQL like GitHub", () => {
  it("rejects invalid documents with 200 and errors, malformed JSON with 400", async () => {
    const invalid = await gql('{ repository(owner: "sim", name: "repo") { nope } }');
    expect(invalid.status).toBe(200);
    expect(invalid.body.data).toBeUndefined();
    expect(String(invalid.body.errors?.[0]?.message)).toContain("nope");
    const syntax = await gql("{ repository(");
    expect(syntax.body.errors?.length).toBe(1);
    const bad = await fetch(sim.graphqlUrl, { method: "POST", headers: auth, body: "{not json" });
    expect(bad.status).toBe(400);
  });

  it("answers a missing repository with a null alias and a NOT_FOUND error carrying its path", async () => {
    const r = await gql(
      'query { rateLimit { cost remaining } a: repository(owner: "sim", name: "repo") { name } b: repository(owner: "sim", name: "gone") { name } }',
    );
    expect(r.body.data?.a).toEqual({ name: "repo" });
    expect(r.body.data?.b).toBeNull();
    expect(r.body.errors).toEqual([expect.objectContaining({ type: "NOT_FOUND", path: ["b"] })]);
    expect(r.headers.get("x-ratelimit-remaining")).toBe(String(sim.budgets.graphql.remaining));
  });

  it("pages refs with cursors and enforces GitHub's first ≤ 100", async () => {
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 5; page++) {
      const r = await gql(
        'query($after: String) { repository(owner: "sim", name: "repo") { refs(refPrefix: "refs/tags/", first: 100, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes { name } } } }',
        { after },
      );
      type Page = {
        refs: { pageInfo: { hasNextPage: boolean; endCursor: string }; nodes: { name: string }[] };
      };
      const repository = r.body.data?.repository as Page | undefined;
      if (!repository) throw new Error(`no data: ${JSON.stringify(r.body.errors)}`);
      const refs = repository.refs;
      names.push(...refs.nodes.map((n) => n.name));
      if (!refs.pageInfo.hasNextPage) break;
      after = refs.pageInfo.endCursor;
    }
    expect(names.length).toBe(250);
    expect(new Set(names).size).toBe(250);
    const tooMany = await gql(
      '{ repository(owner: "sim", name: "repo") { refs(refPrefix: "refs/tags/", first: 101) { totalCount } } }',
    );
    expect(tooMany.body.errors?.[0]?.type).toBe("EXCESSIVE_PAGINATION");
  });

  it("injects resource-limit, partial and rate-limit errors", async () => {
    sim.faults.add({ kind: "resourceLimit", maxRepositories: 1, times: 1 });
    const limited = await gql(
      '{ a: repository(owner: "sim", name: "repo") { name } b: repository(owner: "sim", name: "repo") { name } }',
    );
    expect(limited.body.errors?.[0]?.type).toBe("RESOURCE_LIMITS_EXCEEDED");
    expect(limited.body.data).toEqual({ a: null, b: null });
    sim.faults.add({ kind: "graphqlError", repository: "sim/repo", type: "FORBIDDEN", times: 1 });
    const forbidden = await gql('{ a: repository(owner: "sim", name: "repo") { name } }');
    expect(forbidden.body.errors?.[0]).toMatchObject({ type: "FORBIDDEN", path: ["a"] });
    sim.budgets.graphql.set({ remaining: 0 });
    const exhausted = await gql("{ rateLimit { remaining } }");
    expect(exhausted.body.errors?.[0]?.type).toBe("RATE_LIMITED");
    sim.budgets.graphql.set({ remaining: 5000 });
  });
});

describe("REST like GitHub and Gitea", () => {
  it("requires the token", async () => {
    const res = await fetch(`${sim.url}/repos/sim/repo/commits/main`);
    expect(res.status).toBe(401);
    expect(sim.counters.unauthorized).toBe(1);
  });

  it("serves commits/{ref} as a SHA with an ETag, 304 on If-None-Match without charging, 422 for unknown refs", async () => {
    const headers = { ...auth, accept: "application/vnd.github.sha" };
    const first = await fetch(`${sim.url}/repos/sim/repo/commits/heads%2Fmain`, { headers });
    const etag = first.headers.get("etag") as string;
    expect(await first.text()).toBe(sim.world.repo("sim/repo").branches.get("main"));
    const remaining = first.headers.get("x-ratelimit-remaining");
    const again = await fetch(`${sim.url}/repos/sim/repo/commits/heads/main`, {
      headers: { ...headers, "if-none-match": etag },
    });
    expect(again.status).toBe(304);
    expect(again.headers.get("x-ratelimit-remaining")).toBe(remaining);
    expect((await fetch(`${sim.url}/repos/sim/repo/commits/tags/none`, { headers })).status).toBe(422);
    expect((await fetch(`${sim.url}/repos/sim/none/commits/main`, { headers })).status).toBe(404);
    expect(sim.counters.notModified).toBe(1);
  });

  it("paginates tag lists with Link headers (GitHub) and limit/page (Gitea)", async () => {
    const gh = await fetch(`${sim.url}/repos/sim/repo/tags?per_page=100&page=3`, { headers: auth });
    expect(((await gh.json()) as unknown[]).length).toBe(50);
    expect(gh.headers.get("link")).toContain('rel="prev"');
    const gitea = await fetch(`${sim.giteaUrl}/repos/sim/repo/tags?limit=100&page=1`, { headers: auth });
    const listed = (await gitea.json()) as { name: string }[];
    // Gitea caps limit at MAX_RESPONSE_ITEMS (50), lists tags newest first, and sends no Link header.
    expect(listed.length).toBe(50);
    expect(listed[0]?.name).toBe("t249");
    expect(gitea.headers.get("link")).toBeNull();
    expect(gitea.headers.get("x-total-count")).toBe("250");
    expect(gitea.headers.get("x-ratelimit-remaining")).toBeNull();
  });

  it("answers Gitea tags like Gitea: commit.sha one level down, git/tags/{sha} peeled, 400 for a tree", async () => {
    const nested = sim.world.tag("sim/repo", "nested", { nesting: 1 });
    const ofTree = sim.world.tag("sim/repo", "of-tree", { points: "tree" });
    const get = async (path: string) => {
      const res = await fetch(`${sim.giteaUrl}/repos/sim/repo/${path}`, { headers: auth });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const outer = sim.world.repo("sim/repo").objects.get(nested.ref);
    const inner = outer?.type === "tag" ? outer.target : "";
    const tag = await get("tags/nested");
    expect(tag.body).toMatchObject({ id: nested.ref, commit: { sha: inner } });
    expect(inner).not.toBe(nested.commit);
    expect((await get(`git/tags/${nested.ref}`)).body).toMatchObject({
      sha: nested.ref,
      object: { type: "commit", sha: nested.commit },
    });
    expect((await get("tags/of-tree")).body).toMatchObject({ commit: { sha: ofTree.commit } });
    expect((await get(`git/tags/${ofTree.ref}`)).status).toBe(400);
    expect((await get(`git/tags/${nested.commit}`)).status).toBe(400);
    sim.world.deleteTag("sim/repo", "nested");
    sim.world.deleteTag("sim/repo", "of-tree");
  });

  it("redirects a renamed repository (301) and closes with requests still hanging", async () => {
    const other = await startGitHubSim();
    other.world.createRepo("a/old");
    other.world.renameRepo("a/old", "a/new");
    const res = await fetch(`${other.url}/repos/a/old/branches`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(res.headers.get("location")).toBe(`${other.url}/repos/a/new/branches`);
    other.faults.add({ kind: "hang" });
    const pending = fetch(`${other.url}/repos/a/new`).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    await other.close();
    expect(await pending).toBeInstanceOf(Error);
  });
});
