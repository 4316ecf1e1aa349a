import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { principalOf } from "../access/principal";
import type { AppContext } from "../options";
import { createMcpServer } from "./tools";

/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (a server and transport per request, JSON answers rather
 * than an event stream), so it runs the same in a Lambda behind a Function URL and in `drift serve`.
 * Authenticated by the parent app like every admin route: the tools act with the caller's scope.
 */
export function mcpRoutes(context: AppContext): Hono {
  const app = new Hono();
  app.all("/mcp", async (c) => {
    const server = createMcpServer(context, principalOf(c));
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      return await transport.handleRequest(c.req.raw);
    } finally {
      await server.close();
    }
  });
  return app;
}
