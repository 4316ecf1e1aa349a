import semver from "semver";
import type { DriftKind } from "./tracked-ref";

/**
 * Supply-chain policies (CONTRACT "policies"): how long a new version cools down before it may be applied, and
 * which drifts the sweep may apply on its own. Pure rules here; the SQL lives in @drift/db policy-store.ts.
 */

export const AUTO_APPLY = ["none", "patch", "minor", "major", "any"] as const;
export type AutoApply = (typeof AUTO_APPLY)[number];

/** A policy as the API and the CLI exchange it. Neither id field: global; workspace_id alone; both: one plugin. */
export interface Policy {
  readonly id: string;
  readonly workspace_id: string | null;
  readonly plugin_name: string | null;
  readonly auto_apply: AutoApply;
  /** A duration (`72h`, `3d`, `0`), as given. */
  readonly min_release_age: string;
  /** Delivery through a rollout (`{"waves": […], "max_failures"?, "rollback_on_halt"?}`), or null: at once. */
  readonly rollout?: unknown;
}

const UNIT_MS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };
const MAX_AGE_MS = 366 * 86400e3;

/**
 * Parses a release age such as `72h`, `3d`, `90m`, `2w` or `0` into milliseconds; null when it is not one
 * (or longer than a year: an age that long is a typo, not a policy).
 */
export function parseReleaseAge(text: string | undefined | null): number | null {
  const m = /^\s*(\d{1,6})\s*([smhdw]?)\s*$/.exec(text ?? "");
  if (!m?.[1]) return null;
  const n = Number(m[1]);
  if (n !== 0 && !m[2]) return null;
  const ms = n * (UNIT_MS[m[2] || "s"] ?? 0);
  return ms <= MAX_AGE_MS ? ms : null;
}

/** The change between two versions: what an `auto_apply` level is compared against. */
export type VersionBump = "patch" | "minor" | "major" | "prerelease" | "none" | "downgrade";

/**
 * The semver bump from the installed version to the new one; null when either is unknown or not a version
 * (then nothing is auto-applied: an unknown installed version could hide any jump).
 */
export function versionBump(from: string | null, to: string | null): VersionBump | null {
  const a = from ? semver.parse(semver.clean(from, { loose: true }) ?? "", { loose: true }) : null;
  const b = to ? semver.parse(semver.clean(to, { loose: true }) ?? "", { loose: true }) : null;
  if (!a || !b) return null;
  const order = semver.compare(a, b);
  if (order === 0) return "none";
  if (order > 0) return "downgrade";
  if (b.prerelease.length > 0) return "prerelease";
  if (a.major !== b.major) return "major";
  if (a.minor !== b.minor) return "minor";
  return "patch";
}

const LEVEL: Record<AutoApply, number> = { none: 0, patch: 1, minor: 2, major: 3, any: 4 };

/** What the sweep needs to know about a ready pending row to judge it. */
export interface AutoApplyCandidate {
  readonly drift_kind: DriftKind | string | null;
  readonly signature: string | null;
  readonly from_version: string | null;
  readonly to_version: string | null;
}

/**
 * Whether a policy lets the sweep apply this row by itself. Never: `tag_moved`, `pin_mismatch`, a signature
 * that is invalid or not looked up (null), a downgrade or prerelease, an unknown installed version.
 */
export function allowsAutoApply(level: AutoApply, row: AutoApplyCandidate): boolean {
  if (level === "none" || row.signature === null || row.signature === "invalid") return false;
  if (row.drift_kind === "ref_moved") return level === "any";
  if (row.drift_kind !== "new_version") return false;
  const bump = versionBump(row.from_version, row.to_version);
  if (bump !== "patch" && bump !== "minor" && bump !== "major") return false;
  return LEVEL[bump] <= LEVEL[level];
}

/** Kinds of tag-integrity events (the `IntegrityKind` metric dimension). */
export const INTEGRITY_KINDS = [
  "tag_repointed",
  "tag_deleted",
  "tag_recreated",
  "version_downgrade",
] as const;
export type IntegrityKind = (typeof INTEGRITY_KINDS)[number];

/** What the post-drift policy step of one message did (for metrics and logs). */
export interface PolicyStepResult {
  readonly autoApplied: number;
  /** Pending rows of these targets still cooling down. */
  readonly coolingDown: number;
}

/**
 * Port: after a message's drift rows and packets are stored, sets `ready_at`, applies what policies allow and
 * counts what is left cooling down (policies/policy-step.ts createPolicyStep).
 */
export type PolicyStep = (targetKeys: readonly string[]) => Promise<PolicyStepResult>;

/**
 * `DRIFT_MIN_RELEASE_AGE` in milliseconds (unset or empty: 0). A value that is not a duration is a configuration
 * error: thrown, so a deploy or a `drift sweep` stops rather than applying updates with no cooling down.
 */
export function minReleaseAgeSetting(value: string | undefined): number {
  if (value === undefined || value.trim() === "") return 0;
  const ms = parseReleaseAge(value);
  if (ms === null)
    throw new Error(
      `DRIFT_MIN_RELEASE_AGE must be a duration such as 72h or 3d (at most 366d), got ${value}`,
    );
  return ms;
}
