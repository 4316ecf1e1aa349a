import {
  type DecisionAction,
  type DecisionOutcome,
  decideAndPublish,
  isUuid,
  type UpdateStatus,
} from "@drift/core";
import { listUpdates, type UpdateRow, updateRowsById } from "@drift/db";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import * as zm from "zod/mini";
import { type Principal, scopeOf } from "../access/principal";
import { decisionDeps, dismissBody, optionsOf } from "../decisions";
import type { AppContext } from "../options";
import { describeIssue } from "../validation";

/**
 * The MCP tools the original platform's agents used (CONTRACT "scoped access"), over the same use cases and the
 * same scope as the HTTP routes: a workspace caller lists and decides only its own workspace's rows. Results are
 * structured content plus readable text; refusals are tool errors carrying the HTTP API's codes.
 */

export type McpDeps = Pick<AppContext, "sql" | "notifier" | "logger" | "onDecision" | "webBases">;

const STATUSES = ["pending", "applied", "dismissed", "superseded"] as const satisfies readonly UpdateStatus[];
const uuid = (what: string) => z.string().max(100).meta({ format: "uuid", description: what });

/** Input schemas as the tools list them. Strict checks (UUIDs, the dismiss body) run in the handlers, so that
 * a wrong argument is answered with the HTTP API's code (`invalid_id`, `invalid_body`). */
export const TOOL_INPUTS = {
  check_plugin_updates: {
    workspace_id: uuid("only this workspace (a workspace token sees only its own anyway)").optional(),
    status: z.enum(STATUSES).optional().describe("default pending"),
    limit: z.number().int().min(1).max(200).optional().describe("at most this many rows (default 50)"),
  },
  explain_plugin_update: { id: uuid("the queue row's id") },
  apply_plugin_update: {
    id: uuid("the queue row's id"),
    force: z.boolean().optional().describe("apply even while the update is cooling down"),
  },
  dismiss_plugin_update: {
    id: uuid("the queue row's id"),
    reason: z.string().optional().describe("why (at most 500 characters)"),
    until: z.string().optional().describe("ISO-8601 time until which the dismissal holds (absent: for good)"),
  },
} as const;

const toolError = (code: string, message: string): CallToolResult => ({
  isError: true,
  content: [{ type: "text", text: `${code}: ${message}` }],
  structuredContent: { error: { code, message } },
});

const ok = (structured: Record<string, unknown>, text: string): CallToolResult => ({
  content: [{ type: "text", text }],
  // JSON round trip: dates become the ISO strings the HTTP API answers.
  structuredContent: JSON.parse(JSON.stringify(structured)),
});

const short = (sha: string) => sha.slice(0, 12);
const line = (r: UpdateRow) =>
  `${r.id} ${r.status} ${r.plugin_name} (workspace ${r.workspace_id}): ${r.drift_kind ?? "drift"} ` +
  `${r.from_version ?? short(r.current_sha)} -> ${r.to_version ?? short(r.latest_sha)}`;

function explainText(r: UpdateRow): string {
  return [
    line(r),
    `repository: ${r.repository?.url ?? "unknown"}`,
    `compare: ${r.compare_url ?? "unknown"}`,
    `commits ahead: ${r.commits_ahead ?? "unknown"}; signature: ${r.signature ?? "not looked up"}`,
    `release: ${r.release ? `${r.release.tag} ${r.release.url ?? ""}`.trim() : "none known"}`,
    `ready at: ${r.ready_at ? new Date(r.ready_at).toISOString() : "now"}`,
  ].join("\n");
}

/** A decision's outcome as a tool result: the HTTP body's fields, or its error code. */
function decisionResult(id: string, outcome: DecisionOutcome): CallToolResult {
  if (outcome.kind === "not_found") return toolError("not_found", `no plugin update ${id}`);
  if (outcome.kind === "conflict") return toolError(outcome.code, outcome.message);
  const u = outcome.update;
  return ok(
    { status: outcome.kind, ...u },
    `${outcome.kind}: ${u.plugin_name} (workspace ${u.workspace_id}) ${short(u.previous_sha)} -> ${short(u.installed_sha)}`,
  );
}

/** An MCP server for one caller: HTTP builds one per request (stateless), `drift mcp` one per process. */
export function createMcpServer(deps: McpDeps, caller: Principal): McpServer {
  const server = new McpServer({ name: "drift", version: "1.0.0" });
  const { sql } = deps;
  const bases = deps.webBases ?? {};
  const scope = scopeOf(caller);
  const decisions = decisionDeps(deps);

  const decideTool = async (id: string, action: DecisionAction, extra: object) => {
    if (!isUuid(id)) return toolError("invalid_id", "id must be a UUID");
    return decisionResult(
      id,
      await decideAndPublish(decisions, id, action, { ...optionsOf(caller, {}), ...extra }),
    );
  };

  server.registerTool(
    "check_plugin_updates",
    {
      description:
        "List plugin updates (pending unless status says), newest first, with their review fields.",
      inputSchema: TOOL_INPUTS.check_plugin_updates,
    },
    async (args) => {
      if (args.workspace_id !== undefined && !isUuid(args.workspace_id))
        return toolError("invalid_query", "workspace_id must be a UUID");
      const page = await listUpdates(
        sql,
        { status: args.status ?? "pending", workspaceId: args.workspace_id, scope, limit: args.limit ?? 50 },
        bases,
      );
      const text = page.items.length ? page.items.map(line).join("\n") : "No plugin updates.";
      return ok({ items: page.items, has_more: page.next !== null }, text);
    },
  );

  server.registerTool(
    "explain_plugin_update",
    {
      description:
        "One plugin update with its review packet: repository, compare link, versions, release, signature.",
      inputSchema: TOOL_INPUTS.explain_plugin_update,
    },
    async ({ id }) => {
      if (!isUuid(id)) return toolError("invalid_id", "id must be a UUID");
      const [row] = await updateRowsById(sql, [id], bases, scope);
      if (!row) return toolError("not_found", `no plugin update ${id}`);
      return ok({ update: row }, explainText(row));
    },
  );

  server.registerTool(
    "apply_plugin_update",
    {
      description: "Install the approved commit of a pending update (exactly its latest_sha).",
      inputSchema: TOOL_INPUTS.apply_plugin_update,
    },
    async ({ id, force }) => decideTool(id, "apply", { force: force === true }),
  );

  server.registerTool(
    "dismiss_plugin_update",
    {
      description:
        "Dismiss a pending update; the same drift is not queued again until `until` (or for good).",
      inputSchema: TOOL_INPUTS.dismiss_plugin_update,
    },
    async ({ id, reason, until }) => {
      const body = zm.safeParse(dismissBody, { reason, until });
      if (!body.success) return toolError("invalid_body", describeIssue(body.error));
      return decideTool(id, "dismiss", optionsOf(caller, body.data));
    },
  );
  return server;
}
