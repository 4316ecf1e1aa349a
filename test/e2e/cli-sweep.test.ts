import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { promisify } from "node:util";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliDatabase, createCliDatabase, DRIFT_FROM_SOURCE, runDrift } from "../support/api-cli";
import { dbLabel } from "../support/db";
import { startSim, TOKEN } from "../support/pipeline";

const run = promisify(execFile);

/** Runs the real `drift` binary in a child process (as `npx drift` would) and returns its exit code and output. */
async function drift(args: string[], env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, [...DRIFT_FROM_SOURCE, ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 120_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

let db: CliDatabase;
let sim: GitHubSim;
beforeAll(async () => {
  db = await createCliDatabase();
  sim = await startSim();
});
afterAll(async () => {
  await sim?.close();
  await db?.close();
});

describe(`drift track / sweep as a user runs them (${dbLabel})`, () => {
  it("`drift sweep --json` prints exactly one JSON summary whose counts match the database", async () => {
    const w = sim.world;
    w.createRepo("cli/tool");
    const v1 = w.tag("cli/tool", "v1.0.0", { annotated: true }).commit;
    const ws = randomUUID();
    expect(
      (
        await runDrift(
          ["track", ws, "tool", "github://cli/tool", "--ref", "tag:latest", "--installed", v1],
          db.env,
        )
      ).code,
    ).toBe(0);
    // The others as the platform writes them (the CLI opens an embedded database per call: keep calls few).
    await db.withSql(
      (
        sql,
      ) => sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
        VALUES (${ws}, 'tool-main', 'github://cli/tool', 'branch:main', ${v1.slice(0, 7)}),
               (${ws}, 'gone', 'github://cli/nope', 'branch:main', ${v1})`,
    );
    w.commit("cli/tool", "main");
    const v2 = w.tag("cli/tool", "v2.0.0").commit;

    const env = { ...db.env, GITHUB_API_URL: sim.url, GITHUB_TOKEN: TOKEN };
    const result = await drift(["sweep", "--json"], env);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(result.stdout.trim().split("\n")).toHaveLength(1);
    expect(summary).toMatchObject({
      status: "completed",
      rows: { scanned: 3, skipped: 0, invalid: 0 },
      targets: { dispatched: 3, resolved: 2, failed: 1, deferred: 0, failedByKind: { not_found: 1 } },
      drift: { new: 2, refreshed: 0, superseded: 0 },
      pendingUpdates: 2,
    });
    expect(result.stdout).not.toContain(TOKEN);
    expect(result.stderr).not.toContain(TOKEN);
    const rows = await db.withSql(
      (sql) =>
        sql`SELECT plugin_name, latest_sha FROM plugin_update_queue WHERE status = 'pending' ORDER BY 1`,
    );
    expect(rows.map((r) => r.plugin_name)).toEqual(["tool", "tool-main"]);
    expect(rows.map((r) => r.latest_sha)).toEqual([v2, v2]);
    const [sweep] = await db.withSql(
      (sql) => sql`SELECT id, status, targets_dispatched FROM drift_sweeps ORDER BY started_at DESC LIMIT 1`,
    );
    expect(sweep).toMatchObject({ id: summary.sweepId, status: "completed", targets_dispatched: 3 });

    // The human form prints the same run as a table.
    const table = await drift(["sweep"], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^drift +0 new, 0 refreshed, 0 superseded$/m);
  });

  it("bad flags and arguments exit 2 with a clear message; a bad database exits 1", async () => {
    const bad = await runDrift(["sweep", "--bogus"], db.env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/Unknown option '--bogus'/);
    const track = await runDrift(["track", "not-a-uuid", "p", "github://a/b", "--ref", "tag:latest"], db.env);
    expect(track.code).toBe(2);
    expect(track.stderr).toContain("WORKSPACE_ID must be a UUID");
    const ref = await runDrift(["track", randomUUID(), "p", "github://a/b", "--ref", "tag:a..b"], db.env);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toContain("--ref: bad tag name");
    const help = await runDrift(["sweep", "--help"], db.env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("--json");
    const down = await runDrift(["sweep", "--json"], { DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
    expect(down.code).toBe(1);
    // Even then, --json keeps its promise of exactly one JSON object on stdout.
    expect(JSON.parse(down.stdout)).toMatchObject({ status: "failed" });
    expect(down.stdout.trim().split("\n")).toHaveLength(1);
  });

  it("a sweep that cannot start (another is dispatching) exits 1 and says so", async () => {
    await db.withSql(
      (sql) => sql`INSERT INTO drift_sweeps (status, trigger) VALUES ('dispatching', 'schedule')`,
    );
    const result = await runDrift(["sweep", "--json"], {
      ...db.env,
      GITHUB_API_URL: sim.url,
      GITHUB_TOKEN: TOKEN,
    });
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ status: "skipped" });
    expect(summary.reason).toMatch(
      /^another sweep \(\S+\) has been dispatching for \d+ s, last heartbeat \d+ s ago$/,
    );
    expect(result.stderr).toContain("not started");
    expect(result.stderr).toContain("drift sweep --takeover");
    await db.withSql((sql) => sql`DELETE FROM drift_sweeps WHERE status = 'dispatching'`);
  });

  it("`drift demo` runs offline end to end and says it is a simulation", async () => {
    const result = await drift(["demo"], db.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("SIMULATION");
    expect(result.stdout).toMatch(/sweep +\S+ \(completed/);
    expect(result.stdout).toMatch(/\(!\) tag_moved/);
    // A group of all 36 workspaces decided in one action; a release with notes; a dismissal that holds.
    expect(result.stdout).toMatch(
      /apply the group acme\/lint-rules tag:latest in one action: POST \S+ -> 200, (\d+)\/\1 applied/,
    );
    expect(result.stdout).toContain('release "Lint rules 1.2"');
    expect(result.stdout).toContain("| New rule: no-floating-promises.");
    expect(result.stdout).toMatch(/dismiss the group .* -> 200, (\d+)\/\1 dismissed/);
    expect(result.stdout).toContain(
      "a second sweep changes nothing it should not: 0 new, 0 refreshed, 0 superseded",
    );
    expect(result.stdout).toMatch(/the dismissal holds: \d+ rows of .* stay dismissed, 0 came back/);
    // Trust: a backdated tag held by the cooldown, a trust downgrade flagged.
    expect(result.stdout).toMatch(/acme\/vault-sync v1\.0\.1: tag and commit dated 20\d\d-/);
    expect(result.stdout).toMatch(/first seen \S+: cooling down until \S+/);
    expect(result.stdout).toContain("(!) TRUST DOWNGRADE: held for a person, never auto-applied");
    expect(result.stdout).toMatch(/ALARM trust_downgrade: \S+ v1\.2\.1 \(immutable_release -> none\)/);
    // A signed annotated tag on an unsigned commit is `signed`: a policy requiring it applied it.
    expect(result.stdout).toContain("acme/tag-signer v1.0.1: commit unsigned, annotated tag validly signed:");
    expect(result.stdout).toContain("trust signed, applied under a policy requiring signed");
    expect(result.stdout).toMatch(/3 days later the sweep auto-applied [1-9]\d* patch update/);
    expect(result.stdout).toMatch(/npx drift pending/);
    // A whole demo, three sweeps more than before the trust part: it needs longer than one sweep's timeout.
  }, 180_000);
});
