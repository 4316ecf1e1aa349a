import { randomUUID } from "node:crypto";
import type { Sql } from "@drift/db";
import type { World } from "@drift/github-sim";

/** What the demo expects the sweep to find, so it can say so next to what it found. */
export interface DemoStory {
  readonly workspaces: number;
  readonly plugins: number;
  readonly movedTag: string;
  readonly deletedRepo: string;
}

const KINDS = ["tag:latest", "semver:^1", "branch:main", "ref:main", "tag:v1.0.0", "sha:"] as const;

/**
 * A readable simulated world: 20 plugin repositories on a simulated GitHub (one on a simulated Gitea),
 * 36 workspaces that installed a few hundred plugins at the state of "yesterday", then upstream moves on:
 * new releases, commits on main, a force-moved tag and a deleted repository.
 */
export async function seedDemo(sql: Sql, world: World, giteaHost: string): Promise<DemoStory> {
  // size: mostly data (the demo's plugins and the history of their repositories), one story in one place.
  const names = [
    "lint-rules",
    "formatter",
    "secret-scan",
    "license-check",
    "deps-audit",
    "sbom",
    "changelog",
    "release-notes",
    "api-docs",
    "coverage",
    "flaky-finder",
    "i18n-check",
    "a11y-check",
    "perf-budget",
    "bundle-size",
    "schema-diff",
    "dead-code",
    "todo-tracker",
    "codeowners",
    "stale-bot",
  ];
  const repos = names.map((n) => `acme/${n}`);
  const installDay = new Map<string, { v100: string; v110: string }>();
  for (const repo of repos) {
    world.createRepo(repo);
    const v100 = world.tag(repo, "v1.0.0", { annotated: true }).commit;
    world.commit(repo, "main", "fix");
    installDay.set(repo, { v100, v110: world.tag(repo, "v1.1.0").commit });
  }
  // Installed state: what each kind of ref pointed at on install day (main is at v1.1.0 then).
  const installedAt = (repo: string, kind: string) => {
    const day = installDay.get(repo);
    return (kind === "tag:v1.0.0" ? day?.v100 : day?.v110) ?? "";
  };
  const giteaRepo = "tools/deploy-check";
  world.createRepo(giteaRepo);
  world.tag(giteaRepo, "v2.0.0");

  const rows: { ws: string; name: string; source: string; ref: string; sha: string | null }[] = [];
  const workspaces = Array.from({ length: 36 }, () => randomUUID());
  workspaces.forEach((ws, w) => {
    for (let p = 0; p < 8; p++) {
      const repo = repos[(w * 3 + p) % repos.length] as string;
      const kind = KINDS[(w + p) % KINDS.length] as string;
      const sha = installedAt(repo, kind);
      const ref = kind === "sha:" ? `sha:${sha.slice(0, 12)}` : kind;
      rows.push({ ws, name: repo.split("/")[1] as string, source: `github://${repo}`, ref, sha });
    }
    if (w % 6 === 0)
      rows.push({
        ws,
        name: "deploy-check",
        source: `gitea://${giteaHost}/${giteaRepo}`,
        ref: "tag:latest",
        sha: world.revParse(world.repo(giteaRepo), "refs/tags/v2.0.0") ?? null,
      });
    // A few workspaces follow a release tag that somebody is about to force-move.
    if (w % 5 === 0)
      rows.push({
        ws,
        name: "coverage-release",
        source: "github://acme/coverage",
        ref: "tag:v1.0.0",
        sha: installedAt("acme/coverage", "tag:v1.0.0"),
      });
    // Every workspace follows the house lint rules' latest release: one drift, one decision for all of them.
    rows.push({
      ws,
      name: "house-lint",
      source: "github://acme/lint-rules",
      ref: "tag:latest",
      sha: installedAt("acme/lint-rules", "tag:latest"),
    });
    if (w % 9 === 0)
      rows.push({ ws, name: "house-style", source: "local://house-style", ref: "none", sha: null });
    if (w % 12 === 0)
      rows.push({
        ws,
        name: "unknown-install",
        source: "github://acme/lint-rules",
        ref: "branch:main",
        sha: null,
      });
  });
  for (let i = 0; i < rows.length; i += 1000) {
    const c = rows.slice(i, i + 1000);
    await sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
      SELECT * FROM unnest(${c.map((r) => r.ws)}::uuid[], ${c.map((r) => r.name)}::text[], ${c.map((r) => r.source)}::text[],
        ${c.map((r) => r.ref)}::text[], ${c.map((r) => r.sha)}::text[])
      ON CONFLICT (workspace_id, plugin_name) DO NOTHING`;
  }

  // Upstream moves on.
  world.commit("acme/formatter", "main", "feature", { signature: "valid" });
  world.tag("acme/formatter", "v1.2.0", { annotated: true });
  world.release("acme/formatter", "v1.2.0", {
    name: "Formatter 1.2",
    body: "Adds a --check mode for CI.\nFormats large repositories twice as fast.",
  });
  world.tag("acme/formatter", "v2.0.0-rc.1");
  world.commit("acme/secret-scan", "main", "new rules");
  world.tag("acme/secret-scan", "v1.3.0");
  world.tag("acme/secret-scan", "v2.0.0");
  world.commit("acme/lint-rules", "main", "stricter rules", { signature: "valid" });
  world.tag("acme/lint-rules", "v1.2.0", { annotated: true });
  world.release("acme/lint-rules", "v1.2.0", {
    name: "Lint rules 1.2",
    body: "New rule: no-floating-promises.\nFixes two false positives in import ordering.",
  });
  world.commit("acme/changelog", "main", "refactor");
  world.commit(giteaRepo, "main", "gitea change");
  world.tag(giteaRepo, "v2.1.0");
  // Somebody force-moves a release tag: suspicious.
  const movedTo = world.commit("acme/coverage", "main", "unreviewed change");
  world.moveTag("acme/coverage", "v1.0.0", movedTo);
  world.deleteRepo("acme/stale-bot");
  return {
    workspaces: workspaces.length,
    plugins: rows.length,
    movedTag: "acme/coverage@v1.0.0",
    deletedRepo: "acme/stale-bot",
  };
}
