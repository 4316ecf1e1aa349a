/**
 * MCP as agents use it: an official-SDK client lists and calls the four tools over Streamable HTTP against the
 * `drift serve` app on a real port (scoped by a workspace token), and over stdio against `drift mcp --workspace`.
 */
import { randomUUID } from "node:crypto";
import { startAdminServer } from "@drift/api/node-server";
import { silentLog } from "@drift/core";
import type { Sql } from "@drift/db";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServeApp } from "../../packages/local/src/commands/serve";
import { seedUpdate } from "../support/api";
import { type CliDatabase, createCliDatabase, DRIFT_FROM_SOURCE } from "../support/api-cli";
import { dbLabel } from "../support/db";

const ADMIN = "mcp-admin-token-5d1f0c9b7e3a";
let cli: CliDatabase;
beforeAll(async () => {
  cli = await createCliDatabase();
});
afterAll(async () => cli?.close());

const TOOLS = [
  "apply_plugin_update",
  "check_plugin_updates",
  "dismiss_plugin_update",
  "explain_plugin_update",
];

async function seedTwo(sql: Sql) {
  const [a, b] = [randomUUID(), randomUUID()];
  return {
    a,
    b,
    a1: await seedUpdate(sql, { workspace_id: a, plugin_name: "lint" }),
    a2: await seedUpdate(sql, { workspace_id: a, plugin_name: "fmt" }),
    b1: await seedUpdate(sql, { workspace_id: b, plugin_name: "lint" }),
  };
}

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult;
const errorCode = (r: CallToolResult) =>
  (r.structuredContent as { error?: { code: string } } | undefined)?.error?.code;

/** The checks every transport must pass: the workspace sees and decides only its own rows. */
async function exerciseTools(
  client: Client,
  s: Awaited<ReturnType<typeof seedTwo>>,
  decidedBy: RegExp,
  sql?: Sql,
) {
  const { tools } = await client.listTools();
  expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
  const apply = tools.find((t) => t.name === "apply_plugin_update");
  expect(apply?.inputSchema).toMatchObject({
    type: "object",
    properties: { id: { type: "string", format: "uuid" }, force: { type: "boolean" } },
    required: ["id"],
  });

  const listed = await call(client, "check_plugin_updates", {});
  expect(listed.isError).toBeFalsy();
  const items = (listed.structuredContent as { items: { id: string; workspace_id: string }[] }).items;
  expect(items.map((i) => i.id).sort()).toEqual([s.a1.id, s.a2.id].sort());
  expect((listed.content[0] as { text: string }).text).toContain("lint");
  // The other workspace by filter: nothing (the scope wins).
  const theirs = await call(client, "check_plugin_updates", { workspace_id: s.b });
  expect((theirs.structuredContent as { items: unknown[] }).items).toEqual([]);

  const explained = await call(client, "explain_plugin_update", { id: s.a1.id });
  expect(explained.isError).toBeFalsy();
  expect(explained.structuredContent).toMatchObject({ update: { id: s.a1.id, compare_url: null } });
  // Another workspace's row: the unknown id's error, byte for byte but the id.
  const cross = await call(client, "explain_plugin_update", { id: s.b1.id });
  const unknownId = randomUUID();
  const unknown = await call(client, "explain_plugin_update", { id: unknownId });
  expect(cross.isError).toBe(true);
  expect(errorCode(cross)).toBe("not_found");
  expect(JSON.stringify(cross).replaceAll(s.b1.id, "ID")).toBe(
    JSON.stringify(unknown).replaceAll(unknownId, "ID"),
  );
  for (const name of ["apply_plugin_update", "dismiss_plugin_update"]) {
    const r = await call(client, name, { id: s.b1.id });
    expect(errorCode(r), name).toBe("not_found");
  }

  const applied = await call(client, "apply_plugin_update", { id: s.a1.id });
  expect(applied.isError).toBeFalsy();
  expect(applied.structuredContent).toMatchObject({
    status: "applied",
    workspace_id: s.a,
    installed_sha: s.a1.latest_sha,
  });
  const again = await call(client, "apply_plugin_update", { id: s.a1.id });
  expect(again.structuredContent).toMatchObject({ status: "already_applied" });
  const dismissed = await call(client, "dismiss_plugin_update", {
    id: s.a2.id,
    reason: "later",
    until: "2999-01-01T00:00:00Z",
  });
  expect(dismissed.structuredContent).toMatchObject({ status: "dismissed" });
  const conflict = await call(client, "apply_plugin_update", { id: s.a2.id });
  expect(errorCode(conflict)).toBe("update_dismissed");

  // Wrong ids, arguments and tool names: tool errors, never a protocol failure.
  expect(errorCode(await call(client, "apply_plugin_update", { id: "nope" }))).toBe("invalid_id");
  expect(errorCode(await call(client, "dismiss_plugin_update", { id: s.a2.id, until: "tomorrow" }))).toBe(
    "invalid_body",
  );
  const badType = await call(client, "apply_plugin_update", { id: 42 });
  expect(badType.isError).toBe(true);
  const noTool = await call(client, "drop_tables", {});
  expect(noTool.isError).toBe(true);

  if (sql) {
    const rows = await sql<{ id: string; status: string; decided_by: string | null }[]>`
      SELECT id, status, decided_by FROM plugin_update_queue`;
    expect(rows.find((r) => r.id === s.b1.id)).toMatchObject({ status: "pending", decided_by: null });
    expect(rows.find((r) => r.id === s.a1.id)?.decided_by).toMatch(decidedBy);
  }
}

describe(`MCP tools (${dbLabel})`, () => {
  it("over Streamable HTTP on drift serve: a workspace token's client sees and decides only its workspace", async () => {
    await cli.withSql(async (sql) => {
      const s = await seedTwo(sql);
      const app = createServeApp(sql, { ADMIN_TOKEN: ADMIN }, silentLog);
      const server = await startAdminServer(app, { port: 0 });
      try {
        const minted = await app.request("/admin/tokens", {
          method: "POST",
          headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
          body: JSON.stringify({ name: "agent", role: "workspace", workspace_id: s.a }),
        });
        const { token, id } = (await minted.json()) as { token: string; id: string };
        const connect = async (bearer: string) => {
          const client = new Client({ name: "test-agent", version: "1.0.0" });
          await client.connect(
            new StreamableHTTPClientTransport(new URL(`${server.url}/mcp`), {
              requestInit: { headers: { authorization: `Bearer ${bearer}` } },
            }),
          );
          return client;
        };
        const client = await connect(token);
        await exerciseTools(client, s, new RegExp(`^token:${id}$`), sql);
        await client.close();
        // The operator (ADMIN_TOKEN) sees every workspace.
        const operator = await connect(ADMIN);
        const all = await call(operator, "check_plugin_updates", { status: "pending" });
        expect((all.structuredContent as { items: { id: string }[] }).items.map((i) => i.id)).toContain(
          s.b1.id,
        );
        await operator.close();
        // No token or a revoked one: refused before any tool runs.
        await expect(connect("wrong")).rejects.toThrow(/401|unauthorized/i);
        await app.request(`/admin/tokens/${id}`, {
          method: "DELETE",
          headers: { authorization: `Bearer ${ADMIN}` },
        });
        await expect(connect(token)).rejects.toThrow(/401|unauthorized/i);
      } finally {
        await server.close();
      }
    });
  });

  it("over stdio with drift mcp --workspace: the same tools, the same scope, decided_by cli", async () => {
    const s = await cli.withSql(seedTwo);
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [...DRIFT_FROM_SOURCE, "mcp", "--workspace", s.a],
      env: { ...(process.env as Record<string, string>), ...(cli.env as Record<string, string>) },
      stderr: "pipe",
    });
    const client = new Client({ name: "test-agent", version: "1.0.0" });
    await client.connect(transport);
    try {
      await exerciseTools(client, s, /^cli$/);
    } finally {
      await client.close();
    }
    const rows = await cli.withSql(
      (sql) => sql<{ id: string; status: string; decided_by: string | null }[]>`
        SELECT id, status, decided_by FROM plugin_update_queue WHERE id IN (${s.a1.id}, ${s.b1.id})`,
    );
    expect(rows.find((r) => r.id === s.b1.id)).toMatchObject({ status: "pending", decided_by: null });
    expect(rows.find((r) => r.id === s.a1.id)).toMatchObject({ status: "applied", decided_by: "cli" });
  });
});
