import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliDatabase, createCliDatabase, runDrift } from "../support/api-cli";
import { dbLabel } from "../support/db";

let cli: CliDatabase;
beforeAll(async () => {
  cli = await createCliDatabase();
});
afterAll(async () => cli?.close());

describe(`drift token (${dbLabel})`, () => {
  it("creates (the token once, on stdout), lists without secrets in 70 columns, revokes", async () => {
    const ws = randomUUID();
    const created = await runDrift(
      ["token", "create", "--name", "agent", "--workspace", ws, "--expires", "30d"],
      cli.env,
    );
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trim();
    expect(token).toMatch(/^drift_local_[A-Za-z0-9_-]{22}_[A-Za-z0-9_-]{32}$/);
    expect(created.stderr).toContain("shown once");
    const secret = token.slice(-32);

    const list = await runDrift(["token", "list"], cli.env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`workspace ${ws}`);
    expect(list.stdout).toContain("active");
    expect(list.stdout).not.toContain(secret);
    for (const line of list.stdout.split("\n")) expect(line.length).toBeLessThanOrEqual(70);
    const json = await runDrift(["token", "list", "--json"], cli.env);
    const [row] = JSON.parse(json.stdout);
    expect(row).toMatchObject({ name: "agent", role: "workspace", workspace_id: ws, created_by: "cli" });
    expect(json.stdout).not.toContain(secret);

    const revoked = await runDrift(["token", "revoke", row.id], cli.env);
    expect(revoked.code).toBe(0);
    expect((await runDrift(["token", "list"], cli.env)).stdout).toContain("revoked");
    expect((await runDrift(["token", "revoke", randomUUID()], cli.env)).code).toBe(1);
    const stored = await cli.withSql(
      (sql) => sql<{ row: string }[]>`SELECT row_to_json(t)::text AS row FROM drift_access_tokens t`,
    );
    expect(stored.map((s) => s.row).join("")).not.toContain(secret);
  });

  it("refuses a bad call with the reason and the usage (exit 2)", async () => {
    for (const argv of [
      ["token", "create", "--name", "x"],
      ["token", "create", "--name", "x", "--role", "workspace"],
      ["token", "create", "--name", "x", "--role", "operator", "--workspace", randomUUID()],
      ["token", "create", "--role", "operator"],
      ["token", "create", "--name", "x", "--role", "operator", "--expires", "yesterday"],
      ["token", "revoke", "nope"],
      ["token", "frobnicate"],
    ]) {
      const res = await runDrift(argv, cli.env);
      expect(res.code, argv.join(" ")).toBe(2);
      expect(res.stderr).toContain("drift token create");
    }
  });
});
