import { parseArgs } from "node:util";
import type { Principal } from "@drift/api";
import { createMcpServer } from "@drift/api/mcp";
import { createLogNotifier, githubWebBase, isUuid } from "@drift/core";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { type Command, UsageError } from "../command";
import { openDatabase } from "../database";
import { createCliLogger, parseLogLevel } from "../logger";

/** Resolves when stdin ends (the agent closed the pipe) or on SIGINT/SIGTERM. */
function untilClosed(stdin: NodeJS.ReadableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    stdin.once("end", done);
    stdin.once("close", done);
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}

export const mcpCommand: Command = {
  name: "mcp",
  usage: [
    "drift mcp [--workspace UUID]",
    "",
    "  Serves the MCP tools over stdio for a local agent: check_plugin_updates, explain_plugin_update,",
    "  apply_plugin_update, dismiss_plugin_update. Operator scope unless --workspace limits it to one",
    "  workspace (as a workspace token does). stdout carries the protocol; logs go to stderr.",
    "  Decisions are recorded with decided_by = cli.",
  ].join("\n"),
  async run(ctx) {
    const { values } = parseArgs({
      args: [...ctx.argv],
      options: { workspace: { type: "string" } },
      allowPositionals: false,
      strict: true,
    });
    if (values.workspace !== undefined && !isUuid(values.workspace))
      throw new UsageError("--workspace must be a UUID");
    const caller: Principal = values.workspace
      ? { role: "workspace", workspaceId: values.workspace, decidedBy: "cli" }
      : { role: "operator", decidedBy: "cli" };
    // Never stdout: it is the protocol channel.
    const logger = createCliLogger(parseLogLevel(ctx.env.DRIFT_LOG_LEVEL, "warn"), ctx.stderr);
    const closed = untilClosed(process.stdin);
    const db = await openDatabase({ env: ctx.env });
    try {
      const server = createMcpServer(
        {
          sql: db.sql,
          notifier: createLogNotifier(logger),
          logger,
          webBases: { github: githubWebBase(ctx.env.GITHUB_API_URL || "https://api.github.com") },
        },
        caller,
      );
      await server.connect(new StdioServerTransport(process.stdin, ctx.stdout as NodeJS.WriteStream));
      await closed;
      await server.close();
    } finally {
      await db.close();
    }
    return 0;
  },
};
