import { type DriftKind, isUuid } from "@drift/core";
import {
  type DecidedUpdate,
  type DecisionAction,
  type DecisionOutcome,
  decideAndPublish,
  decodeUpdateCursor,
  encodeUpdateCursor,
  listPendingUpdates,
  listUpdates,
} from "@drift/db";
import { type Context, Hono } from "hono";
import * as z from "zod/mini";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

const DRIFT_KINDS = [
  "tag_moved",
  "new_version",
  "ref_moved",
  "pin_mismatch",
] as const satisfies readonly DriftKind[];
const STATUSES = ["pending", "applied", "dismissed", "superseded"] as const;

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

const decidedBody = (status: string, update: DecidedUpdate, at: string) => ({
  status,
  id: update.id,
  workspace_id: update.workspace_id,
  plugin_name: update.plugin_name,
  installed_sha: update.installed_sha,
  previous_sha: update.previous_sha,
  [at]: update.decided_at,
});

/** The HTTP rendering of a decision: 200 with the decided row, 404 unknown, 409 refused (with its code). */
export function decisionResponse(c: Context, id: string, outcome: DecisionOutcome): Response {
  switch (outcome.kind) {
    case "not_found":
      return fail(c, 404, "not_found", `no plugin update ${id}`);
    case "conflict":
      return fail(c, 409, outcome.code, outcome.message);
    case "applied":
    case "already_applied":
      return c.json(decidedBody(outcome.kind, outcome.update, "applied_at"));
    case "dismissed":
    case "already_dismissed":
      return c.json(decidedBody(outcome.kind, outcome.update, "dismissed_at"));
  }
}

/** The queue: the platform's pending list (docs/contracts.md), filtered list, apply and dismiss (authenticated by the parent app). */
export function updateRoutes(options: AppContext): Hono {
  const { sql, logger } = options;
  const app = new Hono();

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

  const decisionRoute = (action: DecisionAction) =>
    app.post(`/admin/plugin-updates/:id/${action}`, async (c) => {
      const id = c.req.param("id");
      if (!isUuid(id)) return fail(c, 400, "invalid_id", "id must be a UUID");
      const outcome = await decideAndPublish(sql, id, action, {
        notifier: options.notifier,
        log: logger,
        onDecided: (decided) => {
          if (decided.kind === "applied") logger.info("plugin update applied", { ...decided.event });
          else logger.info("plugin update dismissed", { queue_id: id });
          options.onDecision?.(decided.kind);
        },
      });
      return decisionResponse(c, id, outcome);
    });
  decisionRoute("apply");
  decisionRoute("dismiss");
  return app;
}
