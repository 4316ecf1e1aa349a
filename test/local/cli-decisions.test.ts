import { randomUUID } from "node:crypto";
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

const row = (id: string) =>
  db.withSql(
    async (sql) =>
      (
        await sql<
          {
            status: string;
            decided_by: string | null;
            decision_reason: string | null;
            hold_until: Date | null;
          }[]
        >`SELECT status, decided_by, decision_reason, hold_until FROM plugin_update_queue WHERE id = ${id}`
      )[0],
  );

describe(`drift CLI decisions (${dbLabel})`, () => {
  it("groups pending rows, fits the width, shows hidden characters and never a line longer than the terminal", async () => {
    const env = { ...db.env, COLUMNS: "90" };
    const [cur, next] = [sha("cli-cur"), sha("cli-next")];
    await db.withSql(async (sql) => {
      for (let i = 0; i < 12; i++)
        await seedUpdate(sql, {
          plugin_name: "fleet",
          current_sha: cur,
          latest_sha: next,
          resolved_tag: "v2.0.0",
        });
      await seedUpdate(sql, { plugin_name: "lint\u202Egnp.exe\u200F\u2066rtl #5" });
      await seedUpdate(sql, { plugin_name: "x".repeat(18_000) });
    });
    const out = await runDrift(["pending"], env);
    expect(out.code).toBe(0);
    const lines = out.stdout.trimEnd().split("\n");
    for (const line of lines) expect(Array.from(line).length).toBeLessThanOrEqual(90);
    expect(out.stdout).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200E\u200F]/);
    expect(out.stdout).toContain("lint");
    const fleet = lines.find((l) => l.includes("fleet"));
    expect(fleet).toMatch(/ \+11 /);
    expect(fleet).toContain("-> v2.0.0");
    const wide = await runDrift(["pending", "--wide"], env);
    expect(wide.stdout).toContain("x".repeat(18_000));
    expect(wide.stdout).toContain("lint\\u202Egnp.exe\\u200F\\u2066rtl #5");
    const filtered = await runDrift(["pending", "--plugin", "fleet", "--json"], env);
    expect(JSON.parse(filtered.stdout)).toHaveLength(12);
    expect((await runDrift(["pending", "--kind", "nope"], env)).code).toBe(2);
  });

  it("apply asks for a moved tag unless --yes; dismiss --reason --until; reopen; history; prefixes", async () => {
    const [moved, other] = await db.withSql(async (sql) => [
      await seedUpdate(sql, { drift_kind: "tag_moved", tracked_ref: "tag:v1" }),
      await seedUpdate(sql),
    ]);
    if (!moved || !other) throw new Error("seed failed");
    const refused = await runDrift(["apply", moved.id], db.env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("MOVED TAG");
    expect((await row(moved.id))?.status).toBe("pending");
    const applied = await runDrift(["apply", moved.id.slice(0, 13), "--yes"], db.env);
    expect(applied.code).toBe(0);
    expect(await row(moved.id)).toMatchObject({ status: "applied", decided_by: "cli" });

    const dismissed = await runDrift(
      ["dismiss", other.id, "--reason", "wait for 2.1", "--until", "7d"],
      db.env,
    );
    expect(dismissed.code).toBe(0);
    const stored = await row(other.id);
    expect(stored).toMatchObject({ status: "dismissed", decided_by: "cli", decision_reason: "wait for 2.1" });
    const days = ((stored?.hold_until?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
    expect((await runDrift(["dismiss", other.id, "--until", "yesterday"], db.env)).code).toBe(2);

    const history = await runDrift(["history", "--wide"], db.env);
    expect(history.stdout).toContain("wait for 2.1");
    expect(history.stdout).toContain(other.id);
    expect((await runDrift(["reopen", other.id], db.env)).stdout).toContain("pending again");
    expect((await row(other.id))?.status).toBe("pending");
    expect((await runDrift(["reopen", other.id], db.env)).code).toBe(1);

    expect((await runDrift(["dismiss", "zz"], db.env)).code).toBe(2);
    expect((await runDrift(["dismiss", randomUUID().slice(0, 8)], db.env)).stderr).toMatch(
      /no plugin update|ambiguous/,
    );
  });

  it("apply and dismiss decide a whole group (ID +N): --yes in a script, --only-this for one row", async () => {
    const [cur, next] = [sha("grp-cur"), sha("grp-next")];
    const rows = await db.withSql(async (sql) => {
      const seeded = [];
      for (let i = 0; i < 5; i++)
        seeded.push(
          await seedUpdate(sql, {
            plugin_name: "grp",
            current_sha: cur,
            latest_sha: next,
            resolved_tag: "v2.0.0",
          }),
        );
      return seeded;
    });
    const [first, second] = rows;
    if (!first || !second) throw new Error("seed failed");
    // A script (no terminal) must say --yes: nothing is decided, and the line says what to type.
    const asked = await runDrift(["apply", second.id.slice(0, 8)], db.env);
    expect(asked.code).toBe(1);
    expect(asked.stderr).toMatch(/nothing decided: .* one of 5 updates .*5 workspaces; --yes .* --only-this/);
    expect((await row(second.id))?.status).toBe("pending");
    // --only-this: the one row; the group is then four.
    expect((await runDrift(["dismiss", first.id, "--only-this", "--reason", "not here"], db.env)).code).toBe(
      0,
    );
    expect((await row(first.id))?.status).toBe("dismissed");
    const group = await runDrift(["apply", second.id.slice(0, 8), "--yes"], db.env);
    expect(group.code, group.stderr).toBe(0);
    expect(group.stdout).toMatch(/^Applied 4 of 4 updates of .* \(\S+ -> v2\.0\.0\), 4 workspaces\n$/);
    for (const r of rows.slice(1))
      expect(await row(r.id)).toMatchObject({ status: "applied", decided_by: "cli" });
    const pending = await runDrift(["pending", "--plugin", "grp", "--json"], db.env);
    expect(JSON.parse(pending.stdout)).toEqual([]);
  });

  it("drift failing: an empty state that says what it means", async () => {
    const out = await runDrift(["failing"], db.env);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain("No failing targets");
  });
});
