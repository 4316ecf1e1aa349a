import * as z from "zod/mini";

/**
 * The response bodies of the admin API, for the OpenAPI document (requests are described by the very schemas
 * that validate them; these describe what the routes answer, field by field as docs/contracts.md lists them).
 */

const time = z.string().check(z.iso.datetime({ offset: true }));
const nullable = <T extends z.ZodMiniType>(schema: T) => z.nullable(schema);
const uuid = z.guid();

export const errorResponse = z.looseObject({
  error: z.looseObject({ code: z.string(), message: z.string() }),
});

const pendingFields = {
  id: uuid,
  workspace_id: uuid,
  plugin_name: z.string(),
  tracked_ref: z.string(),
  current_sha: z.string(),
  latest_sha: z.string(),
  status: z.enum(["pending", "applied", "dismissed", "superseded"]),
  created_at: time,
};

const reviewFields = {
  source_raw: nullable(z.string()),
  drift_kind: nullable(z.string()),
  resolved_tag: nullable(z.string()),
  repository: nullable(
    z.looseObject({
      host: nullable(z.string()),
      owner: z.string(),
      name: z.string(),
      url: nullable(z.string()),
    }),
  ),
  compare_url: nullable(z.string()),
  from_version: nullable(z.string()),
  to_version: nullable(z.string()),
  commits_ahead: nullable(z.int()),
  committed_at: nullable(time),
  release: nullable(
    z.looseObject({
      tag: z.string(),
      name: nullable(z.string()),
      url: nullable(z.string()),
      published_at: nullable(z.string()),
      prerelease: z.boolean(),
      notes: nullable(z.string()),
    }),
  ),
  signature: nullable(z.enum(["valid", "invalid", "unsigned"])),
  /** The annotated tag's signature; null: no annotated tag, or not needed (the commit's or the release decides). */
  tag_signature: nullable(z.enum(["valid", "invalid", "unsigned"])),
  ready_at: nullable(time),
  hold_until: nullable(time),
  updated_at: time,
  suspicious: z.boolean(),
};

/** A queue row as both list routes answer it. */
export const updateRow = z.looseObject({
  ...pendingFields,
  ...reviewFields,
  decided_at: nullable(time),
  decided_by: nullable(z.string()),
  decision_reason: nullable(z.string()),
});

export const updateGroup = z.looseObject({
  ...reviewFields,
  tracked_ref: z.string(),
  current_sha: z.string(),
  latest_sha: z.string(),
  status: pendingFields.status,
  created_at: time,
  count: z.int(),
  /** Distinct workspaces of the group's rows. */
  workspaces: z.int(),
  ids: z.array(uuid),
  workspace_ids: z.array(uuid),
  plugin_names: z.array(z.string()),
  first_detected_at: time,
});

/** One decision of the log (history=true): status is the one it gave, current_status the row's now. */
export const historyEntry = z.looseObject({
  ...updateRow.shape,
  entry: z.string(),
  subject: z.literal("update"),
  action: z.string(),
  from_status: nullable(z.string()),
  status: z.string(),
  current_status: z.string(),
});

/**
 * A policy or rollout action of the log (history=true, operators only): `id` is the policy's or rollout's; `from`
 * → `to` the policy before and after (null: none), or the rollout's drift; statuses are the rollout's.
 */
export const controlEntry = z.looseObject({
  entry: z.string(),
  subject: z.enum(["policy", "rollout"]),
  id: uuid,
  action: z.string(),
  workspace_id: nullable(uuid),
  plugin_name: nullable(z.string()),
  from_status: nullable(z.string()),
  status: nullable(z.string()),
  from: z.unknown(),
  to: z.unknown(),
  decided_by: z.string(),
  decided_at: time,
  decision_reason: nullable(z.string()),
});

export const updatePage = z.looseObject({
  items: z.union([z.array(updateRow), z.array(updateGroup), z.array(z.union([historyEntry, controlEntry]))]),
  next_cursor: nullable(z.string()),
  truncated: z.optional(z.boolean()),
});

export const decisionResult = z.looseObject({
  status: z.enum(["applied", "already_applied", "dismissed", "already_dismissed", "reopened"]),
  id: uuid,
  workspace_id: uuid,
  plugin_name: z.string(),
  installed_sha: z.string(),
  previous_sha: z.string(),
  applied_at: z.optional(nullable(time)),
  dismissed_at: z.optional(nullable(time)),
  reopened_at: z.optional(nullable(time)),
});

export const bulkResult = z.looseObject({
  results: z.array(
    z.union([
      z.looseObject({ id: z.string(), status: z.string() }),
      z.looseObject({ id: z.string(), error: errorResponse.shape.error }),
    ]),
  ),
});

export const failingTargets = z.looseObject({
  items: z.array(
    z.looseObject({
      key: z.string(),
      provider: z.string(),
      host: z.string(),
      owner: z.string(),
      repo: z.string(),
      tracked_ref: z.string(),
      last_error_kind: z.string(),
      last_error: nullable(z.string()),
      consecutive_failures: z.int(),
      last_checked_at: nullable(time),
      last_resolved_at: nullable(time),
      next_check_at: nullable(time),
      plugins: z.int(),
    }),
  ),
  total: z.int(),
});

const counts = (...keys: string[]) => z.looseObject(Object.fromEntries(keys.map((k) => [k, z.int()])));
export const latestSweep = z.looseObject({
  sweep: nullable(
    z.looseObject({
      id: uuid,
      status: z.string(),
      trigger: z.string(),
      started_at: time,
      dispatched_at: nullable(time),
      completed_at: nullable(time),
      rows_scanned: z.int(),
      rows_skipped: z.int(),
      rows_invalid: z.int(),
      targets_dispatched: z.int(),
      messages_sent: z.int(),
      error: nullable(z.string()),
      messages: counts("total", "done", "retrying"),
      targets: counts("resolved", "failed", "deferred"),
      drift: counts("new", "refreshed", "superseded"),
    }),
  ),
});

export const policy = z.looseObject({
  id: uuid,
  workspace_id: nullable(uuid),
  plugin_name: nullable(z.string()),
  auto_apply: z.enum(["none", "patch", "minor", "major", "any"]),
  min_release_age: nullable(z.string()),
});
export const policyList = z.looseObject({ items: z.array(policy) });
export const deleted = z.looseObject({ status: z.literal("deleted"), id: uuid });

export const integrityEvents = z.looseObject({
  items: z.array(
    z.looseObject({
      id: uuid,
      kind: z.enum(["tag_repointed", "tag_deleted", "tag_recreated", "version_downgrade"]),
      repo_key: z.string(),
      tag: z.string(),
      target_key: nullable(z.string()),
      previous_tag: nullable(z.string()),
      previous_sha: nullable(z.string()),
      new_sha: nullable(z.string()),
      previous_tag_object: nullable(z.string()),
      tag_object: nullable(z.string()),
      sweep_id: nullable(uuid),
      detected_at: time,
    }),
  ),
});

const tokenFields = {
  id: uuid,
  name: z.string(),
  role: z.enum(["operator", "workspace"]),
  workspace_id: nullable(uuid),
  created_at: time,
  created_by: nullable(z.string()),
  expires_at: nullable(time),
  revoked_at: nullable(time),
  last_used_at: nullable(time),
  active: z.boolean(),
};
export const token = z.looseObject(tokenFields);
/** The only answer that carries the secret: `token`, shown once. */
export const tokenCreated = z.looseObject({ ...tokenFields, token: z.string() });
export const tokenList = z.looseObject({ items: z.array(token) });
export const tokenRevoked = z.looseObject({ status: z.literal("revoked"), ...tokenFields });
export const whoami = z.looseObject({
  role: z.enum(["operator", "workspace"]),
  workspace_id: nullable(uuid),
  token_id: nullable(uuid),
  decided_by: z.string(),
});
export const health = z.looseObject({ status: z.literal("ok") });

/** A JSON-RPC 2.0 message (MCP's Streamable HTTP transport carries these). */
export const jsonRpc = z.looseObject({ jsonrpc: z.literal("2.0") });

export const pageCounts = z.looseObject({
  pending: z.looseObject({ total: z.int(), workspaces: z.int(), by_kind: z.record(z.string(), z.int()) }),
  failing: z.int(),
  integrity_events: z.int(),
});

export const recheckQueued = z.looseObject({
  key: z.string(),
  queued: z.boolean(),
  coalesced: z.optional(z.boolean()),
});
