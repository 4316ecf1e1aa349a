import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUpdate } from "../support/api";
import { type CliDatabase, createCliDatabase, DRIFT_FROM_SOURCE, runDrift } from "../support/api-cli";
import { dbLabel } from "../support/db";
import { sha } from "../support/seed";

let db: CliDatabase;
const env = () => ({ ...db.env, COLUMNS: "70" });
beforeAll(async () => {
  db = await createCliDatabase();
  const seeded = await db.withSql(async (sql) => {
    const ws = randomUUID();
    // A major bump of a long-named repository followed by many workspaces, a moved tag, a branch drift.
    const [cur, next] = [sha("col-cur"), sha("col-next")];
    for (let i = 0; i < 4; i++)
      await seedUpdate(sql, {
        plugin_name: "observability-dashboard-plugin",
        current_sha: cur,
        latest_sha: next,
        resolved_tag: "v2.0.0",
      });
    const key = "github:github.com/acme-platform-engineering/observability-dashboard-plugin#tag:latest";
    await sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
      VALUES (${key}, 'github', 'github.com', 'acme-platform-engineering', 'observability-dashboard-plugin',
              'tag:latest')`;
    await sql`INSERT INTO drift_review_compares (target_key, current_sha, latest_sha, from_version, status)
      VALUES (${key}, ${cur}, ${next}, 'v1.1.0', 'complete')`;
    await sql`UPDATE plugin_update_queue SET target_key = ${key} WHERE current_sha = ${cur}`;
    await seedUpdate(sql, { plugin_name: "moved", drift_kind: "tag_moved", tracked_ref: "tag:v1" });
    await seedUpdate(sql, { plugin_name: "edge", drift_kind: "ref_moved", tracked_ref: "branch:main" });
    // Cooling down for three more days: READY says how long, not a 39-column timestamp.
    const cooling = await seedUpdate(sql, { plugin_name: "cooling", tracked_ref: "tag:latest" });
    await sql`UPDATE plugin_update_queue SET ready_at = now() + interval '3 days 1 hour' WHERE id = ${cooling.id}`;
    const dismissed = await seedUpdate(sql, { plugin_name: "dismissed-one", workspace_id: ws });
    await sql`UPDATE drift_targets SET last_error_kind = 'not_found', consecutive_failures = 3,
      last_error = 'repository acme-platform-engineering/observability-dashboard-plugin not found'
      WHERE key = ${key}`;
    await sql`INSERT INTO drift_integrity_events (kind, repo_key, tag, previous_sha, new_sha)
      VALUES ('tag_repointed', 'github:github.com/acme-platform-engineering/observability-dashboard-plugin',
              'v1.0.0', ${sha("was")}, ${sha("now")})`;
    return { dismissed, ws };
  });
  // Through the CLI, so that the decision log has a policy action to show too.
  const policy = await runDrift(
    ["policy", "set", "--workspace", seeded.ws, "--plugin", "observability-dashboard-plugin"].concat([
      "--auto-apply",
      "minor",
      "--min-age",
      "72h",
    ]),
    env(),
  );
  expect(policy.code, policy.stderr).toBe(0);
  const [row] = JSON.parse(
    (await runDrift(["pending", "--plugin", "dismissed-one", "--json"], env())).stdout,
  );
  await runDrift(
    ["dismiss", row.id, "--reason", "a long reason that will not fit at seventy columns"],
    env(),
  );
});
afterAll(async () => db?.close());

const fits = (out: string) => {
  const lines = out.trimEnd().split("\n");
  for (const line of lines) expect(Array.from(line).length, line).toBeLessThanOrEqual(70);
  return lines;
};

describe(`every list command fits 70 columns, keeping the version and the mark (${dbLabel})`, () => {
  it("pending: MAJOR marked, (!) for a moved tag, the versions whole, a branch with its target commit", async () => {
    const out = await runDrift(["pending"], env());
    expect(out.code, out.stderr).toBe(0);
    const lines = fits(out.stdout);
    expect(lines.find((l) => l.includes("v1.1.0 -> v2.0.0"))).toMatch(/ \+3 .* MAJOR /);
    expect(lines.find((l) => l.includes("(!) moved"))).toBeDefined();
    // ref_moved: the branch name alone does not change; the commit it moved to is shown.
    expect(out.stdout).toContain(`main@${sha("edge-latest").slice(0, 7)}`);
    expect(lines[0]).toMatch(/ READY$/);
    // (AGE is the first column a 70-column table leaves out; --wide shows it.)
    expect(lines.find((l) => l.includes(" cool"))).toMatch(/ in 3d$/);
    expect(lines.find((l) => l.includes(" edge "))).toMatch(/ ready$/);
  });

  it("history, failing, policy list and integrity", async () => {
    const history = await runDrift(["history"], env());
    const lines = fits(history.stdout);
    expect(lines.find((l) => l.includes("dismiss"))).toContain(
      `${sha("dismissed-one-current").slice(0, 7)} -> ${sha("dismissed-one-latest").slice(0, 7)}`,
    );
    // The policy action: the policy before (none) -> after, by the CLI; newest first.
    expect(lines[2]).toMatch(/^[0-9a-f]{8} +policy set +works.* - -> minor\/72h +cli /);
    const failing = await runDrift(["failing"], env());
    expect(fits(failing.stdout).find((l) => l.includes("not_found"))).toMatch(/tag:latest +not_found +3 /);
    const policies = await runDrift(["policy", "list"], env());
    expect(fits(policies.stdout)[1]).toMatch(/plugin .* minor +72h$/);
    const integrity = await runDrift(["integrity"], env());
    const line = fits(integrity.stdout)[1] ?? "";
    expect(line).toMatch(/tag_repointed +acme-platf.* v1\.0\.0/);
    expect(line).toContain(`${sha("was").slice(0, 8)} -> ${sha("now").slice(0, 8)}`);
    expect(integrity.stdout).not.toContain("github:");
  });

  it("rollout list, notify list and token list", async () => {
    const group = JSON.parse(
      (await runDrift(["pending", "--plugin", "observability-dashboard-plugin", "--json"], env())).stdout,
    ) as { id: string }[];
    const started = await runDrift(
      ["rollout", "start", ...group.map((r) => r.id), "--waves", "1,rest", "--soak", "30m"],
      env(),
    );
    expect(started.code, started.stderr).toBe(0);
    const rollouts = fits((await runDrift(["rollout", "list"], env())).stdout);
    expect(rollouts.join("\n")).toMatch(/running/);
    const hook = "http://127.0.0.1:9/a-rather-long-path/for/the/notification/endpoint/of/acme-platform";
    const notifyEnv = { ...env(), DRIFT_NOTIFY_ALLOW_LOOPBACK: "1" };
    const set = await runDrift(
      ["notify", "set", "--url", hook, "--format", "json", "--events", "drift.detected,integrity,rollout"],
      notifyEnv,
    );
    expect(set.code, set.stderr).toBe(0);
    expect(fits((await runDrift(["notify", "list"], notifyEnv)).stdout).length).toBeGreaterThan(1);
    const ws = randomUUID();
    const minted = await runDrift(
      ["token", "create", "--name", "a-workspace-token-with-a-long-descriptive-name", "--workspace", ws],
      env(),
    );
    expect(minted.code, minted.stderr).toBe(0);
    expect(fits((await runDrift(["token", "list"], env())).stdout).length).toBeGreaterThan(1);
  });

  it("a reader that stops early (| head) ends the output quietly, no EPIPE stack trace", async () => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, ...db.env };
    if (!db.env.DATABASE_URL) delete childEnv.DATABASE_URL;
    const child = spawn(process.execPath, [...DRIFT_FROM_SOURCE, "pending", "--json"], { env: childEnv });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += String(c);
    });
    child.stdout.destroy(); // like `| head` that has read what it wanted: the pipe is closed before the output
    const [code] = await once(child, "exit");
    expect(stderr).not.toMatch(/EPIPE|Error|at /);
    expect(code).toBe(0);
  });
});
