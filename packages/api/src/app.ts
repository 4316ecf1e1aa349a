import type { DriftKind } from "@drift/core";
import {
  type ApplyOutcome,
  applyUpdate,
  type DecidedUpdate,
  type DismissOutcome,
  decodeUpdateCursor,
  dismissUpdate,
  encodeUpdateCursor,
  latestSweepSummary,
  listFailingTargets,
  listPendingUpdates,
  listUpdates,
  type Sql,
} from "@drift/db";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import { en } from "zod/locales";
import * as z from "zod/mini";
import { ADMIN_PAGE_CSP, ADMIN_PAGE_HTML } from "./admin-page";
import { type AdminAuth, adminAuth } from "./auth";
import { errorBody, fail } from "./errors";
import { publishPendingEvents } from "./events";
import { type AdminLogger, silentLogger } from "./logger";
import type { Notifier } from "./notifier";

export interface AdminAppOptions {
  readonly sql: Sql;
  readonly auth: AdminAuth;
  /** Origins allowed to call the API from a browser (exact match, e.g. `https://admin.example.com`). */
  readonly corsOrigins: readonly string[];
  /** Publishes `plugin.update.applied` after an apply commits (from the outbox). */
  readonly notifier: Notifier;
  readonly logger?: AdminLogger;
  /** Called once per state change (for metrics: UpdatesApplied / UpdatesDismissed). */
  readonly onDecision?: (decision: "applied" | "dismissed") => void;
  /** Largest request body accepted, in bytes (default 16 KiB); larger is 413. */
  readonly maxBodyBytes?: number;
}

const DRIFT_KINDS = [
  "tag_moved",
  "new_version",
  "ref_moved",
  "pin_mismatch",
] as const satisfies readonly DriftKind[];
const STATUSES = ["pending", "applied", "dismissed", "superseded"] as const;

// Request validation with zod/mini (functional, tree-shakable: a few KiB in the Lambda bundle instead of the whole
// classic API with every locale).
const idParam = z.guid({ message: "id must be a UUID" });
const listQuery = z.strictObject({
  status: z.optional(z.enum(STATUSES)),
  workspace_id: z.optional(z.guid({ message: "workspace_id must be a UUID" })),
  // No control characters: Postgres text cannot hold NUL, and no plugin name has any.
  plugin_name: z.optional(
    z.string().check(
      z.minLength(1),
      z.maxLength(200),
      z.refine((v) => !/[\p{Cc}]/u.test(v), { message: "plugin_name must not contain control characters" }),
    ),
  ),
  drift_kind: z.optional(z.enum(DRIFT_KINDS)),
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(200)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});
const failingQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 100),
});

/**
 * zod/mini carries no messages of its own ("Invalid input" for everything): the English ones, as the classic API
 * loads on import, unless the application configured a locale itself.
 */
function useEnglishIssueMessages(): void {
  if (!z.config().localeError) z.config(en());
}

/** First zod issue as one line (zod never echoes the input value in its messages). */
const describeIssue = (error: z.core.$ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "input"}: ${issue.message}` : "invalid input";
};

const decidedBody = (status: string, update: DecidedUpdate, at: string) => ({
  status,
  id: update.id,
  workspace_id: update.workspace_id,
  plugin_name: update.plugin_name,
  installed_sha: update.installed_sha,
  previous_sha: update.previous_sha,
  [at]: update.decided_at,
});

const CONFLICT_CODES: Record<string, string> = {
  dismissed: "update_dismissed",
  superseded: "update_superseded",
  applied: "update_applied",
  installed_changed: "installed_sha_changed",
  tracking_changed: "tracking_changed",
  plugin_missing: "plugin_not_installed",
};

/** Paths and their methods, so a known path with another method answers 405 rather than 404. */
const ROUTES: Record<string, string> = {
  "/admin/plugin-updates-pending": "GET, HEAD",
  "/admin/plugin-updates": "GET, HEAD",
  "/admin/plugin-updates/:id/apply": "POST",
  "/admin/plugin-updates/:id/dismiss": "POST",
  "/admin/targets/failing": "GET, HEAD",
  "/admin/sweeps/latest": "GET, HEAD",
  "/admin/": "GET, HEAD",
  "/health": "GET, HEAD",
};

/**
 * The admin HTTP app, shared by the Lambda Function URL (`hono/aws-lambda`) and `drift serve`
 * (`@hono/node-server`): CONTRACT routes, filtered list, failing targets, last sweep, health, and the admin page.
 *
 * @example
 * const app = createAdminApp({ sql, auth: { mode: "bearer", token }, corsOrigins: [], notifier });
 * serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 8787 });
 */
export function createAdminApp(options: AdminAppOptions): Hono {
  const { sql, notifier } = options;
  const logger = options.logger ?? silentLogger;
  const allowed = new Set(options.corsOrigins);
  const app = new Hono();
  useEnglishIssueMessages();

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    c.header("Cache-Control", "no-store");
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
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
      allowMethods: ["GET", "HEAD", "POST", "OPTIONS"],
      allowHeaders: ["Authorization", "Content-Type"],
      maxAge: 600,
    }),
  );
  app.use(
    "*",
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 16 * 1024,
      onError: (c) => fail(c, 413, "payload_too_large", "request body too large"),
    }),
  );

  // Unauthenticated: health and the page itself (the page's API calls carry the token).
  app.get("/health", async (c) => {
    try {
      await sql`SELECT 1`;
      return c.json({ status: "ok" });
    } catch (error) {
      logger.error("health check: database unreachable", { error: (error as Error).message });
      return fail(c, 503, "database_unavailable", "database unreachable");
    }
  });
  app.get("/admin", (c) => c.redirect("/admin/", 308));
  app.get("/admin/", (c) => {
    c.header("Content-Security-Policy", ADMIN_PAGE_CSP);
    return c.html(ADMIN_PAGE_HTML);
  });

  app.use("/admin/*", adminAuth(options.auth, logger));

  app.get("/admin/plugin-updates-pending", async (c) => c.json(await listPendingUpdates(sql)));

  app.get("/admin/plugin-updates", async (c) => {
    const parsed = z.safeParse(listQuery, c.req.query());
    if (!parsed.success) return fail(c, 400, "invalid_query", describeIssue(parsed.error));
    const q = parsed.data;
    const after = q.cursor === undefined ? null : decodeUpdateCursor(q.cursor);
    if (q.cursor !== undefined && !after)
      return fail(c, 400, "invalid_cursor", "cursor is not one this API returned");
    const page = await listUpdates(sql, {
      status: q.status,
      workspaceId: q.workspace_id,
      pluginName: q.plugin_name,
      driftKind: q.drift_kind,
      limit: q.limit,
      after,
    });
    return c.json({ items: page.items, next_cursor: page.next ? encodeUpdateCursor(page.next) : null });
  });

  const withId = (c: Context) => {
    const parsed = z.safeParse(idParam, c.req.param("id"));
    return parsed.success ? parsed.data : null;
  };
  const conflict = (c: Context, outcome: Extract<ApplyOutcome | DismissOutcome, { kind: "conflict" }>) =>
    fail(c, 409, CONFLICT_CODES[outcome.reason] ?? "conflict", outcome.message);

  app.post("/admin/plugin-updates/:id/apply", async (c) => {
    const id = withId(c);
    if (!id) return fail(c, 400, "invalid_id", "id must be a UUID");
    const outcome = await applyUpdate(sql, id);
    switch (outcome.kind) {
      case "not_found":
        return fail(c, 404, "not_found", `no plugin update ${id}`);
      case "conflict":
        return conflict(c, outcome);
      case "already_applied":
        return c.json(decidedBody("already_applied", outcome.update, "applied_at"));
      case "applied":
        logger.info("plugin update applied", { ...outcome.event });
        options.onDecision?.("applied");
        // After commit: publish from the outbox (this event and any an earlier failure left behind).
        await publishPendingEvents(sql, notifier, logger);
        return c.json(decidedBody("applied", outcome.update, "applied_at"));
    }
  });

  app.post("/admin/plugin-updates/:id/dismiss", async (c) => {
    const id = withId(c);
    if (!id) return fail(c, 400, "invalid_id", "id must be a UUID");
    const outcome = await dismissUpdate(sql, id);
    switch (outcome.kind) {
      case "not_found":
        return fail(c, 404, "not_found", `no plugin update ${id}`);
      case "conflict":
        return conflict(c, outcome);
      case "already_dismissed":
      case "dismissed":
        if (outcome.kind === "dismissed") {
          logger.info("plugin update dismissed", { queue_id: id });
          options.onDecision?.("dismissed");
        }
        return c.json(decidedBody(outcome.kind, outcome.update, "dismissed_at"));
    }
  });

  app.get("/admin/targets/failing", async (c) => {
    const parsed = z.safeParse(failingQuery, c.req.query());
    if (!parsed.success) return fail(c, 400, "invalid_query", describeIssue(parsed.error));
    return c.json(await listFailingTargets(sql, { limit: parsed.data.limit }));
  });

  app.get("/admin/sweeps/latest", async (c) => c.json({ sweep: await latestSweepSummary(sql) }));

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
    logger.error("unhandled error", { error: error.message, name: error.name, path: c.req.path });
    return fail(c, 500, "internal", "internal error");
  });
  return app;
}
