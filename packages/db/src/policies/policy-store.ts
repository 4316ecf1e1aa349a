import { type AutoApply, type Policy, parseReleaseAge, type Require } from "@drift/core/model";
import type postgres from "postgres";
import type { Sql } from "../client";
import { appendControl } from "../decisions/decision-log";

/**
 * Supply-chain policies (CONTRACT "policies"): the table's CRUD, and the one SQL fragment that finds the most
 * specific policy of a queue row (plugin, then workspace, then global). Cooling down and auto-apply use it
 * (policy-sweep.ts).
 */

/** A policy to create or replace (validated by the caller; `id` absent: the policy of that scope). */
export interface PolicyInput {
  readonly id?: string;
  readonly workspace_id?: string | null;
  readonly plugin_name?: string | null;
  readonly auto_apply: AutoApply;
  readonly min_release_age?: string | null;
  /** Deliver through a rollout (validated by the caller with parseRolloutPlan); null or absent: at once. */
  readonly rollout?: unknown;
  /** Absent: `none`. */
  readonly require?: Require;
}

const COLUMNS =
  "id, workspace_id, plugin_name, auto_apply, min_release_age, rollout, require_trust AS require";

/** Every policy, most general first (global, workspaces, plugins). */
export async function listPolicies(sql: Sql): Promise<Policy[]> {
  return sql<Policy[]>`
    SELECT ${sql.unsafe(COLUMNS)} FROM drift_policies
    ORDER BY workspace_id NULLS FIRST, plugin_name NULLS FIRST, id`;
}

export type PutPolicyResult =
  | { readonly kind: "saved"; readonly created: boolean; readonly policy: Policy }
  | { readonly kind: "not_found" }
  | { readonly kind: "scope_taken"; readonly otherId: string };

/**
 * Creates or replaces a policy. Without an id, the policy of that scope is created or replaced (one per scope);
 * with one, that policy is replaced (404 when unknown) unless another policy already holds the new scope.
 * The decision log gets a `policy_set` entry (the policy before → after, by `decidedBy`) in the same transaction.
 */
export async function putPolicy(sql: Sql, input: PolicyInput, decidedBy: string): Promise<PutPolicyResult> {
  const ws = input.workspace_id ?? null;
  const plugin = input.plugin_name ?? null;
  const age = input.min_release_age ?? null;
  const ageMs = age === null ? null : parseReleaseAge(age);
  const rollout = input.rollout == null ? null : sql.json(input.rollout as postgres.JSONValue);
  const require = input.require ?? "none";
  return sql.begin(async (raw) => {
    const tx = raw as unknown as Sql;
    const [other] = await tx<{ id: string }[]>`
      SELECT id FROM drift_policies
      WHERE coalesce(workspace_id::text, '') = coalesce(${ws}::uuid::text, '')
        AND coalesce(plugin_name, '') = coalesce(${plugin}::text, '') FOR UPDATE`;
    const id = input.id ?? other?.id;
    if (input.id && other && other.id !== input.id) return { kind: "scope_taken", otherId: other.id };
    const logged = async (before: Policy | null, policy: Policy) =>
      appendControl(raw, {
        subject: "policy",
        subjectId: policy.id,
        action: "policy_set",
        workspaceId: policy.workspace_id,
        pluginName: policy.plugin_name,
        from: before as postgres.JSONValue | null,
        to: policy as unknown as postgres.JSONValue,
        decidedBy,
      });
    if (id) {
      const [before] = await tx<Policy[]>`
        SELECT ${tx.unsafe(COLUMNS)} FROM drift_policies WHERE id = ${id}::uuid FOR UPDATE`;
      if (!before) return { kind: "not_found" };
      const [policy] = await tx<Policy[]>`
        UPDATE drift_policies SET workspace_id = ${ws}::uuid, plugin_name = ${plugin}, auto_apply = ${input.auto_apply},
          min_release_age = ${age}, min_release_age_ms = ${ageMs}, rollout = ${rollout}, require_trust = ${require},
          updated_at = now()
        WHERE id = ${id}::uuid RETURNING ${tx.unsafe(COLUMNS)}`;
      await logged(before, policy as Policy);
      return { kind: "saved", created: false, policy: policy as Policy };
    }
    const [policy] = await tx<Policy[]>`
      INSERT INTO drift_policies (workspace_id, plugin_name, auto_apply, min_release_age, min_release_age_ms, rollout,
        require_trust)
      VALUES (${ws}::uuid, ${plugin}, ${input.auto_apply}, ${age}, ${ageMs}, ${rollout}, ${require})
      RETURNING ${tx.unsafe(COLUMNS)}`;
    await logged(null, policy as Policy);
    return { kind: "saved", created: true, policy: policy as Policy };
  }) as Promise<PutPolicyResult>;
}

/** Deletes a policy (a `policy_rm` entry in the decision log: the policy → none); false when there was none. */
export async function deletePolicy(sql: Sql, id: string, decidedBy: string): Promise<boolean> {
  return (await sql.begin(async (tx) => {
    const [gone] = await tx<Policy[]>`
      DELETE FROM drift_policies WHERE id = ${id}::uuid RETURNING ${tx.unsafe(COLUMNS)}`;
    if (!gone) return false;
    await appendControl(tx, {
      subject: "policy",
      subjectId: gone.id,
      action: "policy_rm",
      workspaceId: gone.workspace_id,
      pluginName: gone.plugin_name,
      from: gone as unknown as postgres.JSONValue,
      to: null,
      decidedBy,
    });
    return true;
  })) as boolean;
}

/**
 * The most specific policy of queue row `q` as a LATERAL subquery (columns `id`, `auto_apply`,
 * `min_release_age_ms`, `rollout`, `require_trust`; no row when no policy applies).
 */
export const EFFECTIVE_POLICY = `
  SELECT pol.id, pol.auto_apply, pol.min_release_age_ms, pol.rollout, pol.require_trust FROM drift_policies pol
  WHERE (pol.workspace_id IS NULL AND pol.plugin_name IS NULL)
     OR (pol.workspace_id = q.workspace_id AND (pol.plugin_name IS NULL OR pol.plugin_name = q.plugin_name))
  ORDER BY (pol.plugin_name IS NULL), (pol.workspace_id IS NULL) LIMIT 1`;

/** Policy ids starting with `prefix` (at most 2: one is a match, two is ambiguous). */
export async function policyIdsByPrefix(sql: Sql, prefix: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    SELECT id::text AS id FROM drift_policies WHERE id::text LIKE ${`${prefix.toLowerCase()}%`} LIMIT 2`;
  return rows.map((r) => r.id);
}
