import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedUpdate } from "../support/api";
import { type CliDatabase, createCliDatabase, runDrift } from "../support/api-cli";
import { dbLabel } from "../support/db";
import { sha } from "../support/seed";

let db: CliDatabase;
beforeAll(async () => {
  db = await createCliDatabase();
});
afterAll(async () => db?.close());

const fits = (text: string) => {
  for (const line of text.split("\n")) expect(Array.from(line).length, line).toBeLessThanOrEqual(70);
};

describe(`drift rollout and drift rollback (${dbLabel})`, () => {
  it("starts, shows, lists, reports, halts with rollback, and rolls a row back by hand; every line fits 70 columns", async () => {
    const seeded = await db.withSql(async (sql) => {
      const rows = [];
      for (let i = 0; i < 12; i++)
        rows.push(
          await seedUpdate(sql, {
            plugin_name: "fleet",
            current_sha: sha("r-cur"),
            latest_sha: sha("r-next"),
          }),
        );
      return rows;
    });
    const ids = seeded.map((r) => r.id);
    const bad = await runDrift(
      ["rollout", "start", ...ids, "--waves", "1,150%,rest", "--soak", "1h"],
      db.env,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/waves\.1\.size/);

    const started = await runDrift(
      [
        "rollout",
        "start",
        ...ids,
        "--waves",
        "2,25%,rest",
        "--soak",
        "1h",
        "--rollback-on-halt",
        "--reason",
        "fleet 2",
      ],
      db.env,
    );
    expect(started.code, started.stderr).toBe(0);
    fits(started.stdout);
    expect(started.stdout).toMatch(/status running: 2 of 12 applied, wave 1 of 3; next in 1h/);
    const id = /Rollout ([0-9a-f-]{36})/.exec(started.stdout)?.[1] as string;

    const list = await runDrift(["rollout", "list"], db.env);
    expect(list.stdout).toContain(id.slice(0, 8));
    fits(list.stdout);
    const tick = await runDrift(["rollout", "tick"], db.env);
    expect(tick.stdout).toMatch(/waves started: 0/);
    const [waiting] = await db.withSql(
      (sql) => sql<{ id: string }[]>`SELECT id FROM plugin_update_queue WHERE status = 'pending' LIMIT 1`,
    );
    const again = await runDrift(["rollout", "start", waiting?.id as string, "--waves", "rest"], db.env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/in_rollout/);

    const applied = await db.withSql(
      (sql) => sql<{ id: string; workspace_id: string }[]>`
        SELECT id, workspace_id FROM plugin_update_queue WHERE status = 'applied' ORDER BY workspace_id`,
    );
    expect(applied).toHaveLength(2);
    // One row rolled back by hand first; the halt rolls back the other.
    const manual = await runDrift(
      ["rollback", String(applied[1]?.id).slice(0, 8), "--reason", "bad"],
      db.env,
    );
    expect(manual.code, manual.stderr).toBe(0);
    expect(manual.stdout).toMatch(/^Rolled back .* fleet is at /);
    const report = await runDrift(
      [
        "rollout",
        "report",
        id.slice(0, 8),
        applied[0]?.workspace_id as string,
        "fleet",
        "--failed",
        "--detail",
        "crash",
      ],
      db.env,
    );
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(/rollout [0-9a-f]{8} is halted/);
    const show = await runDrift(["rollout", "show", id], db.env);
    fits(show.stdout);
    expect(show.stdout).toMatch(/status halted/);
    expect(show.stdout).toMatch(/rolled back: 2/);
    expect(show.stdout).toContain("acme/fleet tag:latest");
    const states = await db.withSql(
      (sql) => sql`SELECT status, count(*)::int AS n FROM plugin_update_queue GROUP BY 1 ORDER BY 1`,
    );
    expect(states).toEqual([
      { status: "pending", n: 10 },
      { status: "rolled_back", n: 2 },
    ]);
    expect((await runDrift(["rollout", "resume", id], db.env)).stderr).toMatch(/is halted; it cannot resume/);
    const help = await runDrift(["rollout", "--help"], db.env);
    fits(help.stdout);
  });
});
