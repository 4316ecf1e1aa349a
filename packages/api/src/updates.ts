import type { DriftKind } from "@drift/core";
import {
  decodeGroupCursor,
  decodeHistoryCursor,
  decodeUpdateCursor,
  encodeGroupCursor,
  encodeUpdateCursor,
  listHistory,
  listPendingUpdates,
  listUpdateGroups,
  listUpdates,
  type UpdateFilter,
} from "@drift/db";
import { type Context, Hono } from "hono";
import * as z from "zod/mini";
import { principalOf, scopeOf } from "./access/principal";
import { fail } from "./errors";
import type { AppContext } from "./options";
import { describeIssue } from "./validation";

export { decisionResponse } from "./decisions";

const DRIFT_KINDS = [
  "tag_moved",
  "new_version",
  "ref_moved",
  "pin_mismatch",
] as const satisfies readonly DriftKind[];
const STATUSES = ["pending", "applied", "dismissed", "superseded"] as const;
const HISTORY = ["applied", "dismissed", "superseded"] as const;

const flag = z.optional(z.enum(["true", "false"]));
// No control characters: Postgres text cannot hold NUL, and no plugin name has any.
const text = (max: number, what: string) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    z.refine((v) => !/[\p{Cc}]/u.test(v), { message: `${what} must not contain control characters` }),
  );
export const listQuery = z.strictObject({
  status: z.optional(z.enum(STATUSES)),
  workspace_id: z.optional(z.guid({ message: "workspace_id must be a UUID" })),
  plugin_name: z.optional(text(200, "plugin_name")),
  drift_kind: z.optional(z.enum(DRIFT_KINDS)),
  repository: z.optional(
    z.string().check(
      // Part of OWNER/NAME (a substring match): "lint", "acme/", "acme/lint-plugin".
      z.regex(/^(?=.)[A-Za-z0-9_.-]{0,100}(\/[A-Za-z0-9_.-]{0,100})?$/, {
        message: "repository must be OWNER/NAME or part of it",
      }),
    ),
  ),
  decided_by: z.optional(text(300, "decided_by")),
  /** One entry per (repository, tracked_ref, current_sha, latest_sha); pending only unless status says. */
  group: flag,
  /** The decision log instead of the queue: one item per decision, newest first (status: the one it gave). */
  history: flag,
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(200)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
});

/** The filters the queue and the decision log share; a workspace token reads only its workspace's rows. */
function sharedFilter(c: Context, q: z.infer<typeof listQuery>) {
  return {
    workspaceId: q.workspace_id,
    pluginName: q.plugin_name,
    driftKind: q.drift_kind,
    repository: q.repository,
    decidedBy: q.decided_by,
    scope: scopeOf(principalOf(c)),
    limit: q.limit,
  };
}

/** The queue: the platform's pending list (docs/contracts.md), filtered and grouped lists (authenticated by the parent app). */
export function updateRoutes(options: AppContext): Hono {
  const { sql } = options;
  const bases = options.webBases ?? {};
  const app = new Hono();

  app.get("/admin/plugin-updates-pending", async (c) =>
    c.json(await listPendingUpdates(sql, bases, scopeOf(principalOf(c)))),
  );

  app.get("/admin/plugin-updates", async (c) => {
    const parsed = z.safeParse(listQuery, c.req.query());
    if (!parsed.success) return fail(c, 400, "invalid_query", describeIssue(parsed.error, "query parameter"));
    const q = parsed.data;
    // Grouped history stays a view of the decided queue rows (one entry per drift and status).
    if (q.history === "true" && q.group !== "true") return historyPage(c, q);
    const grouped = q.group === "true";
    const offset = grouped && q.cursor !== undefined ? decodeGroupCursor(q.cursor) : null;
    const after = grouped || q.cursor === undefined ? null : decodeUpdateCursor(q.cursor);
    if (q.cursor !== undefined && !after && offset === null)
      return fail(c, 400, "invalid_cursor", "cursor is not one this API returned");
    const filter: UpdateFilter = {
      status: q.status ?? (grouped && q.history !== "true" ? "pending" : undefined),
      ...(q.history === "true" ? { statuses: HISTORY } : {}),
      ...sharedFilter(c, q),
      after,
    };
    if (grouped) {
      const page = await listUpdateGroups(sql, filter, bases, offset ?? 0);
      const next = page.next === null ? null : encodeGroupCursor(page.next);
      return c.json({ items: page.groups, next_cursor: next, truncated: page.truncated });
    }
    const page = await listUpdates(sql, filter, bases);
    return c.json({ items: page.items, next_cursor: page.next ? encodeUpdateCursor(page.next) : null });
  });

  /** `history=true`: the decision log newest first, one item per decision (a reopen is one too), with a cursor. */
  async function historyPage(c: Context, q: z.infer<typeof listQuery>) {
    const after = q.cursor === undefined ? null : decodeHistoryCursor(q.cursor);
    if (q.cursor !== undefined && after === null)
      return fail(c, 400, "invalid_cursor", "cursor is not one this API returned");
    const page = await listHistory(
      sql,
      {
        status: q.status,
        ...sharedFilter(c, q),
        after,
      },
      bases,
    );
    return c.json({ items: page.items, next_cursor: page.next });
  }
  return app;
}
