import {
  compareUrlOf,
  displayText,
  isTrustDowngrade,
  parseSource,
  parseTrackedRef,
  type ReleaseInfo,
  type RepositoryRef,
  repositoryOf,
  type Signature,
  type Trust,
  toVersionOf,
  type UpdateStatus,
  type VersionBump,
  versionBump,
  type WebBases,
} from "@drift/core/model";
import type { Sql } from "../client";
import { TRUST_COLUMNS } from "../trust/trust-downgrades";

/**
 * Queue rows as operators decide on them: the CONTRACT fields, the decision columns, and the review packet
 * joined in (repository, versions, commits ahead, date, signature, release). Null means not known.
 */

/** A queue row in the CONTRACT shape of `GET /admin/plugin-updates-pending`. */
export interface PendingUpdate {
  readonly id: string;
  readonly workspace_id: string;
  readonly plugin_name: string;
  readonly tracked_ref: string;
  readonly current_sha: string;
  readonly latest_sha: string;
  readonly status: UpdateStatus;
  readonly created_at: Date;
}

/** Every field the CONTRACT "decisions" names, for both list routes, the page and `drift pending`. */
export interface UpdateRow extends PendingUpdate {
  readonly source_raw: string | null;
  readonly drift_kind: string | null;
  readonly resolved_tag: string | null;
  readonly repository: RepositoryRef | null;
  readonly compare_url: string | null;
  readonly from_version: string | null;
  readonly to_version: string | null;
  /** The semver step from from_version to to_version (major, minor, patch…), null when not both versions. */
  readonly bump: VersionBump | null;
  readonly commits_ahead: number | null;
  readonly committed_at: Date | null;
  readonly release: ReleaseInfo | null;
  readonly signature: Signature | null;
  /**
   * The annotated tag's signature (a valid one makes the version `signed`); null: no annotated tag, or not looked
   * up because the commit's signature or an immutable release already decides.
   */
  readonly tag_signature: Signature | null;
  /** What the new version is vouched for by (CONTRACT "trust"); null: not looked up yet. */
  readonly trust: Trust | null;
  /** Its trust is lower than the installed version's (as last resolved for this target): never auto-applied. */
  readonly trust_downgrade: boolean;
  /** When this sweeper first resolved the new commit of this repository (the cooldown's clock). */
  readonly first_seen_at: Date | null;
  /** The annotated tag's tagger date: the author's, shown, never used for ready_at. */
  readonly tagged_at: Date | null;
  readonly ready_at: Date | null;
  readonly hold_until: Date | null;
  readonly updated_at: Date;
  readonly decided_at: Date | null;
  readonly decided_by: string | null;
  readonly decision_reason: string | null;
  /** A moved tag, a trust downgrade, or names carrying bidirectional / invisible characters: look twice. */
  readonly suspicious: boolean;
}

export interface RawRow extends PendingUpdate {
  source_raw: string | null;
  drift_kind: string | null;
  resolved_tag: string | null;
  ready_at: Date | null;
  hold_until: Date | null;
  updated_at: Date;
  decided_at: Date | null;
  decided_by: string | null;
  decision_reason: string | null;
  t_provider: "github" | "gitea" | null;
  t_host: string | null;
  t_owner: string | null;
  t_repo: string | null;
  p_repo_url: string | null;
  p_to_version: string | null;
  committed_at: Date | null;
  signature: Signature | null;
  tag_signature: Signature | null;
  release: ReleaseInfo | null;
  trust: Trust | null;
  previous_trust: Trust | null;
  first_seen_at: Date | null;
  tagged_at: Date | null;
  from_version: string | null;
  commits_ahead: number | null;
  related: boolean | null;
  cursor_time: string;
}

/** The SELECT list and joins every row listing uses (`q` is the queue, `t` the target). */
export const rowSelect = (sql: Sql) => sql`
  SELECT q.id, q.workspace_id, q.plugin_name, q.tracked_ref, q.current_sha, q.latest_sha, q.status, q.created_at,
         q.source_raw, q.drift_kind, q.resolved_tag, q.ready_at, q.hold_until, q.updated_at, q.decided_at,
         q.decided_by, q.decision_reason,
         t.provider AS t_provider, t.host AS t_host, t.owner AS t_owner, t.repo AS t_repo,
         p.repo_url AS p_repo_url, p.to_version AS p_to_version, p.committed_at, p.signature, p.release,
         p.tagged_at, p.tag_signature, ${sql.unsafe(TRUST_COLUMNS)}, s.first_seen_at,
         c.from_version, c.commits_ahead, c.related,
         to_char(q.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_time
  FROM plugin_update_queue q
  LEFT JOIN drift_targets t ON t.key = q.target_key
  LEFT JOIN drift_review_packets p ON p.target_key = q.target_key AND p.latest_sha = lower(q.latest_sha)
  LEFT JOIN drift_review_compares c ON c.target_key = q.target_key AND c.current_sha = lower(q.current_sha)
    AND c.latest_sha = lower(q.latest_sha)
  LEFT JOIN drift_review_packets p0 ON p0.target_key = q.target_key AND p0.latest_sha = lower(q.current_sha)
  LEFT JOIN drift_commit_sightings s
    ON s.repo_key = split_part(q.target_key, '#', 1) AND s.commit_sha = lower(q.latest_sha)`;

function sourceOf(raw: RawRow) {
  if (raw.t_provider && raw.t_host && raw.t_owner && raw.t_repo)
    return { provider: raw.t_provider, host: raw.t_host, owner: raw.t_owner, repo: raw.t_repo };
  const parsed = parseSource(raw.source_raw);
  return parsed.status === "ok" ? parsed.value : null;
}

const hidden = (text: string | null | undefined) => (text ? displayText(text, 1).suspicious : false);

/** A database row as the API and the CLI show it. */
export function toUpdateRow(raw: RawRow, bases: WebBases = {}): UpdateRow {
  const repository = repositoryOf(sourceOf(raw), raw.p_repo_url, bases);
  const ref = parseTrackedRef(raw.tracked_ref);
  const toVersion =
    raw.p_to_version ?? (ref.status === "ok" ? toVersionOf({ ref: ref.value }, raw.resolved_tag) : null);
  const trustDowngrade = isTrustDowngrade(raw.previous_trust, raw.trust);
  return {
    id: raw.id,
    workspace_id: raw.workspace_id,
    plugin_name: raw.plugin_name,
    tracked_ref: raw.tracked_ref,
    current_sha: raw.current_sha,
    latest_sha: raw.latest_sha,
    status: raw.status,
    created_at: raw.created_at,
    source_raw: raw.source_raw,
    drift_kind: raw.drift_kind,
    resolved_tag: raw.resolved_tag,
    repository,
    compare_url: compareUrlOf(repository, raw.current_sha, raw.latest_sha, raw.related),
    from_version: raw.from_version,
    to_version: toVersion,
    bump: versionBump(raw.from_version, toVersion),
    commits_ahead: raw.commits_ahead,
    committed_at: raw.committed_at,
    // Packets from before immutable releases were looked up do not say: unknown.
    release: raw.release ? { ...raw.release, immutable: raw.release.immutable ?? null } : null,
    signature: raw.signature,
    tag_signature: raw.tag_signature,
    trust: raw.trust,
    trust_downgrade: trustDowngrade,
    first_seen_at: raw.first_seen_at,
    tagged_at: raw.tagged_at,
    ready_at: raw.ready_at,
    hold_until: raw.hold_until,
    updated_at: raw.updated_at,
    decided_at: raw.decided_at,
    decided_by: raw.decided_by,
    decision_reason: raw.decision_reason,
    suspicious:
      raw.drift_kind === "tag_moved" ||
      trustDowngrade ||
      [raw.plugin_name, raw.tracked_ref, raw.source_raw, toVersion, raw.from_version, raw.resolved_tag].some(
        hidden,
      ),
  };
}

/** Rows by id, in no particular order; with a scope, only that workspace's. */
export async function updateRowsById(
  sql: Sql,
  ids: readonly string[],
  bases: WebBases = {},
  scope?: string,
): Promise<UpdateRow[]> {
  if (ids.length === 0) return [];
  const rows = await sql<RawRow[]>`${rowSelect(sql)} WHERE q.id = ANY(${ids as string[]}::uuid[])
    ${scope ? sql`AND q.workspace_id = ${scope}::uuid` : sql``}`;
  return rows.map((r) => toUpdateRow(r, bases));
}
