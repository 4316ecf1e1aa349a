import {
  buildRefsQuery,
  peelFragment,
  type RepoSelection,
} from "@drift/github/internal/graphql/graphql-query";
import { validate } from "@octokit/graphql-schema";
import { describe, expect, it } from "vitest";
import { resolveAll, resolverFor, sha, startSim, target } from "../support/github";

const messages = (query: string) => validate(query).map((e) => e.message);

describe("every GraphQL document the resolver can send is valid against GitHub's published schema", () => {
  it("the validator does reject a wrong document (the check below can fail)", () => {
    expect(
      messages('query { repository(owner: "a", name: "b") { refz(first: 1) { totalCount } } }'),
    ).not.toEqual([]);
    expect(messages(`query Q($x: String!) { rateLimit { cost } } ${peelFragment()}`).length).toBeGreaterThan(
      0,
    );
  });

  // Every part a selection can have, alone and combined: refs, a first tag page, a later tag page, peel objects.
  const parts: Record<string, Partial<RepoSelection>> = {
    refs: { refs: ["refs/tags/v1", "refs/heads/main", 'refs/tags/we"ird}{$name'] },
    firstTagPage: { tags: { after: null } },
    laterTagPage: { tags: { after: "Y3Vyc29y" } },
    peel: { objects: ["0123456789abcdef0123456789abcdef01234567"] },
  };
  const names = Object.keys(parts);
  const combos: string[][] = [];
  for (let mask = 1; mask < 1 << names.length; mask++) {
    const combo = names.filter((_, i) => mask & (1 << i));
    if (!(combo.includes("firstTagPage") && combo.includes("laterTagPage"))) combos.push(combo);
  }

  it.each(combos.map((c) => [c.join(" + ")]))("builder output: %s", (label) => {
    const selection = Object.assign(
      { owner: "acme", name: "lint" },
      ...label.split(" + ").map((n) => parts[n]),
    );
    for (const repos of [1, 3]) {
      const built = buildRefsQuery(
        Array.from({ length: repos }, (_, i) => ({ ...selection, owner: `o${i}` })),
      );
      expect(messages(built.query)).toEqual([]);
      // every declared variable has a value and every value is declared
      const declared = [...built.query.matchAll(/\$(\w+):/g)].map((m) => m[1]).sort();
      expect(Object.keys(built.variables).sort()).toEqual(declared);
    }
  });

  it("a mixed batch of different repositories is valid, and names never appear in the document", () => {
    const built = buildRefsQuery([
      { owner: "acme", name: "one", refs: ["refs/tags/v1"] },
      { owner: "acme", name: "two", tags: { after: null } },
      {
        owner: "acme",
        name: "three",
        refs: ["refs/heads/x"],
        tags: { after: "abc" },
        objects: ["ab".repeat(20)],
      },
      { owner: "acme", name: "four" },
    ]);
    expect(messages(built.query)).toEqual([]);
    for (const name of ["acme", "one", "two", "three", "refs/tags/v1", "abc"])
      expect(built.query).not.toContain(`"${name}"`);
  });

  it("documents actually sent during a run over every ref kind, tag paging and deep peeling all validate", async () => {
    const sim = await startSim();
    try {
      sim.world.createRepo("all/kinds");
      for (let i = 0; i < 120; i++)
        sim.world.tag("all/kinds", `v1.${i}.0`, { annotated: i % 3 === 0, nesting: i === 119 ? 6 : 0 });
      const deep = sim.world.tag("all/kinds", "deep", { annotated: true, nesting: 7 });
      sim.world.setBranch("all/kinds", "dev");
      sim.world.createRepo("all/other");
      const kinds = [
        "tag:deep",
        "tag:latest",
        "semver:^1.5",
        "ref:dev",
        "ref:v1.3.0",
        "branch:main",
        "tag:absent",
        "sha:abcdef0",
      ];
      const targets = [
        ...kinds.map((k) => target("github://all/kinds", k)),
        target("github://all/other", "branch:main"),
        target("github://all/missing", "tag:x"),
      ];
      const results = await resolveAll(resolverFor(sim), targets);
      expect(sha(results.get(targets[0]?.key as string))).toBe(deep.commit);
      const latest = results.get(targets[1]?.key as string);
      expect(latest?.status === "resolved" && latest.tag).toBe("v1.119.0");
      const sent = sim.requests.filter((r) => r.scope === "graphql");
      console.log(`${sent.length} documents sent and validated`);
      expect(sent.length).toBeGreaterThanOrEqual(3); // first round, second tag page, peel rounds
      for (const r of sent) expect(messages(r.query ?? "")).toEqual([]);
    } finally {
      await sim.close();
    }
  });
});
