import { silentLog } from "@drift/core";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { accessAuth } from "./access/authenticate";
import { operatorOnlyPaths } from "./access/principal";
import { callerRoutes, tokenRoutes } from "./access/token-routes";
import { decisionRoutes } from "./decisions";
import { errorBody, fail } from "./errors";
import { setHsts } from "./hsts";
import { mcpRoutes } from "./mcp/http";
import { deliverAfterDecisions, notificationRoutes } from "./notifications";
import { openApiRoutes } from "./openapi/document";
import type { AdminAppOptions, AppContext } from "./options";
import { pageRoutes } from "./page";
import { policyRoutes } from "./policies";
import { reportingRoutes } from "./reporting";
import { rolloutRoutes } from "./rollouts";
import { targetRoutes } from "./targets";
import { updateRoutes } from "./updates";
import { useEnglishIssueMessages } from "./validation";

export type { AdminAppOptions } from "./options";

/** Paths and their methods, so a known path with another method answers 405 rather than 404. */
const ROUTES: Record<string, string> = {
  "/admin/plugin-updates-pending": "GET, HEAD",
  "/admin/plugin-updates": "GET, HEAD",
  "/admin/plugin-updates/:id/apply": "POST",
  "/admin/plugin-updates/:id/dismiss": "POST",
  "/admin/plugin-updates/:id/reopen": "POST",
  "/admin/plugin-updates/:id/rollback": "POST",
  "/admin/plugin-updates/bulk": "POST",
  "/admin/targets/failing": "GET, HEAD",
  "/admin/targets/recheck": "POST",
  "/admin/sweeps/latest": "GET, HEAD",
  "/admin/counts": "GET, HEAD",
  "/admin/policies": "GET, HEAD, PUT",
  "/admin/policies/:id": "DELETE",
  "/admin/integrity-events": "GET, HEAD",
  "/admin/rollouts": "GET, HEAD, POST",
  "/admin/rollouts/:id": "GET, HEAD",
  "/admin/rollouts/:id/reports": "POST",
  "/admin/rollouts/:id/pause": "POST",
  "/admin/rollouts/:id/resume": "POST",
  "/admin/rollouts/:id/cancel": "POST",
  "/admin/notifications": "GET, HEAD, PUT",
  "/admin/notifications/:id": "DELETE",
  "/admin/notifications/:id/deliveries": "GET, HEAD",
  "/admin/notifications/:id/test": "POST",
  "/admin/tokens": "GET, HEAD, POST",
  "/admin/tokens/:id": "DELETE",
  "/admin/whoami": "GET, HEAD",
  "/admin/openapi.json": "GET, HEAD",
  "/mcp": "GET, POST, DELETE",
  "/admin/": "GET, HEAD",
  "/admin/app.js": "GET, HEAD",
  "/health": "GET, HEAD",
};

/** Request body limits: 16 KiB (maxBodyBytes), more for the two routes that take many ids; larger is 413. */
function bodyLimits(options: AdminAppOptions): MiddlewareHandler {
  const small = bodyLimitOf(options.maxBodyBytes ?? 16 * 1024);
  const large: Record<string, MiddlewareHandler> = {
    // A bulk decision of 500 ids with a reason is about 22 KiB.
    "/admin/plugin-updates/bulk": bodyLimitOf(Math.max(options.maxBodyBytes ?? 0, 64 * 1024)),
    // A rollout of 5,000 ids is about 200 KiB.
    "/admin/rollouts": bodyLimitOf(Math.max(options.maxBodyBytes ?? 0, 256 * 1024)),
  };
  return (c, next) => (large[c.req.path] ?? small)(c, next);
}

/**
 * The admin HTTP app, shared by the Lambda Function URL (`hono/aws-lambda`) and `drift serve`
 * (`@hono/node-server`): security headers, request log, CORS and body limit here; the routes in sub-apps by
 * concern: page.ts (health, admin page; unauthenticated), then bearer/IAM auth, updates.ts (lists, apply,
 * dismiss) and reporting.ts (failing targets, last sweep).
 *
 * @example
 * const app = createAdminApp({ sql, auth: { mode: "bearer", token }, corsOrigins: [], notifier });
 * serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 8787 });
 */
export function createAdminApp(options: AdminAppOptions): Hono {
  const context: AppContext = { ...options, logger: options.logger ?? silentLog };
  const { logger } = context;
  const allowed = new Set(options.corsOrigins);
  const app = new Hono();
  useEnglishIssueMessages();

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    setHsts(c);
    // Path only: a query string is the caller's, and could carry anything.
    logger.info("request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });

  // A preflight from an origin outside the allow-list gets a plain 403 (the browser would block it anyway).
  app.use("*", async (c, next) => {
    const origin = c.req.header("origin");
    if (
      c.req.method === "OPTIONS" &&
      origin &&
      c.req.header("access-control-request-method") &&
      !allowed.has(origin)
    ) {
      return fail(c, 403, "cors_origin_not_allowed", "origin not allowed");
    }
    await next();
  });
  app.use(
    "*",
    cors({
      origin: (origin) => (allowed.has(origin) ? origin : null),
      allowMethods: ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type"],
      maxAge: 600,
    }),
  );
  app.use("*", bodyLimits(options));

  mountRoutes(app, context);

  for (const [path, methods] of Object.entries(ROUTES)) {
    app.all(path, (c) => {
      c.header("Allow", methods);
      return fail(c, 405, "method_not_allowed", `${c.req.method} is not allowed here (allowed: ${methods})`);
    });
  }
  app.notFound((c) => fail(c, 404, "not_found", "no such route"));
  app.onError((error, c) => {
    if (error instanceof HTTPException && error.status < 500) {
      return c.json(errorBody("bad_request", error.message || "bad request"), error.status);
    }
    if (c.req.raw.signal?.aborted) {
      logger.info("request aborted by the client", { path: c.req.path });
      return fail(c, 400, "aborted", "the client closed the request");
    }
    logger.error("unhandled error", { error: error.message, name: error.name, path: c.req.path });
    return fail(c, 500, "internal", "internal error");
  });
  return app;
}

/**
 * The routes, in order (routes and middleware match in the order they are added): the page (no auth), then one
 * authentication for the admin routes and MCP that decides the caller (access/principal.ts), the operator-only
 * route groups (403 for a workspace token), and the routes by concern.
 */
function mountRoutes(app: Hono, context: AppContext): void {
  app.route("/", pageRoutes(context));
  app.route("/", openApiRoutes());
  const auth = accessAuth({
    auth: context.auth,
    sql: context.sql,
    environment: context.tokenEnvironment ?? "local",
    logger: context.logger,
  });
  app.use("/admin/*", auth);
  app.use("/mcp", auth);
  app.use("/admin/*", operatorOnlyPaths);
  app.use("/admin/plugin-updates/*", deliverAfterDecisions(context));
  app.route("/", callerRoutes());
  app.route("/", tokenRoutes(context));
  app.route("/", updateRoutes(context));
  app.route("/", decisionRoutes(context));
  app.route("/", reportingRoutes(context));
  app.route("/", policyRoutes(context));
  app.route("/", targetRoutes(context));
  app.route("/", rolloutRoutes(context));
  app.route("/", notificationRoutes(context));
  app.route("/", mcpRoutes(context));
}

/** A body limit answering 413 and closing: the unread rest of the body must not be taken for a next request. */
function bodyLimitOf(maxSize: number) {
  return bodyLimit({
    maxSize,
    onError: (c) => {
      c.header("Connection", "close");
      return fail(c, 413, "payload_too_large", "request body too large");
    },
  });
}
