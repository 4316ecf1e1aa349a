import { Hono } from "hono";
import { principalOf } from "../access/principal";
import type { AppContext } from "../options";

/**
 * `POST /mcp`: MCP over Streamable HTTP, stateless (a server and transport per request, JSON answers rather
 * than an event stream), so it runs the same in a Lambda behind a Function URL and in `drift serve`.
 * Authenticated by the parent app like every admin route: the tools act with the caller's scope. The SDK loads
 * on the first MCP request, not at every cold start of the admin Lambda.
 */
export function mcpRoutes(context: AppContext): Hono {
  const app = new Hono();
  app.all("/mcp", async (c) => {
    const [{ WebStandardStreamableHTTPServerTransport }, { createMcpServer }] = await Promise.all([
      import("@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"),
      import("./tools"),
    ]);
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
