/** The page's calls to the admin API: the token from sessionStorage in the Authorization header. */

export const TOKEN_KEY = "driftAdminToken";
export const token = (): string => sessionStorage.getItem(TOKEN_KEY) ?? "";

export interface Repository {
  host: string | null;
  owner: string;
  name: string;
  url: string | null;
}
export interface Release {
  tag: string;
  name: string | null;
  url: string | null;
  published_at: string | null;
  prerelease: boolean;
  notes?: string | null;
  /** The host locks its tag (GitHub immutable release); null: not said. */
  immutable?: boolean | null;
}
export interface Group {
  ids: string[];
  workspace_ids: string[];
  plugin_names: string[];
  count: number;
  /** Distinct workspaces of the group's rows. */
  workspaces: number;
  status: string;
  tracked_ref: string;
  current_sha: string;
  latest_sha: string;
  source_raw: string | null;
  drift_kind: string | null;
  repository: Repository | null;
  compare_url: string | null;
  from_version: string | null;
  to_version: string | null;
  /** major, minor, patch, prerelease, downgrade, none; null when not both versions are known. */
  bump: string | null;
  commits_ahead: number | null;
  committed_at: string | null;
  release: Release | null;
  signature: string | null;
  /** The annotated tag's signature (valid | invalid | unsigned); null: none, or not needed. */
  tag_signature: string | null;
  /** immutable_release | signed | none; null: not looked up. */
  trust: string | null;
  trust_downgrade: boolean;
  first_seen_at: string | null;
  /** The annotated tag's date, as its author wrote it. */
  tagged_at: string | null;
  first_detected_at: string;
  /** When the drift may be applied (minimum release age); null: no age applies. */
  ready_at: string | null;
  suspicious: boolean;
}
export interface Row
  extends Omit<
    Group,
    "ids" | "workspace_ids" | "plugin_names" | "count" | "workspaces" | "first_detected_at"
  > {
  id: string;
  workspace_id: string;
  plugin_name: string;
  created_at: string;
  decided_at: string | null;
  decided_by: string | null;
  decision_reason: string | null;
  hold_until: string | null;
}
/** One decision of the log (history=true): status is the one it gave, current_status the row's now. */
export interface HistoryItem extends Row {
  entry: string;
  subject: "update";
  action: string;
  current_status: string;
}
/** A policy or rollout action of the log: the policy before → after, or the rollout's status change. */
export interface ControlItem {
  entry: string;
  subject: "policy" | "rollout";
  id: string;
  action: string;
  workspace_id: string | null;
  plugin_name: string | null;
  from_status: string | null;
  status: string | null;
  from: unknown;
  to: unknown;
  decided_by: string;
  decided_at: string;
  decision_reason: string | null;
}
export interface Policy {
  id: string;
  workspace_id: string | null;
  plugin_name: string | null;
  auto_apply: string;
  min_release_age: string | null;
}
export interface IntegrityEvent {
  kind: string;
  repo_key: string;
  tag: string;
  previous_tag: string | null;
  previous_sha: string | null;
  new_sha: string | null;
  detected_at: string;
}
export interface Counts {
  pending: { total: number; workspaces: number; by_kind: Record<string, number> };
  failing: number;
  integrity_events: number;
}
export interface Failing {
  key: string;
  host: string;
  owner: string;
  repo: string;
  tracked_ref: string;
  last_error_kind: string;
  last_error: string | null;
  consecutive_failures: number;
  plugins: number;
}
export type BulkResult = { id: string; status?: string; error?: { code: string; message: string } };

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: {
      Authorization: `Bearer ${token()}`,
      Accept: "application/json",
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  let parsed: unknown = null;
  try {
    parsed = await res.json();
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const e = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    throw new Error(`HTTP ${res.status}: ${e ? `${e.message} (${e.code})` : res.statusText}`);
  }
  return parsed as T;
}

/** Decides many rows through the bulk route, 500 ids a request; every result in order. */
export async function decideMany(
  action: "apply" | "dismiss",
  ids: readonly string[],
  extra: { reason?: string; until?: string },
): Promise<BulkResult[]> {
  const results: BulkResult[] = [];
  for (let i = 0; i < ids.length; i += 500) {
    const body = { action, ids: ids.slice(i, i + 500), ...extra };
    results.push(
      ...(await api<{ results: BulkResult[] }>("POST", "/admin/plugin-updates/bulk", body)).results,
    );
  }
  return results;
}
