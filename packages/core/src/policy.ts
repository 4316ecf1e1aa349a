import semver from "semver";
import { type DriftKind, tagPrefixOf, versionPartOf } from "./tracked-ref";

/**
 * Supply-chain policies (CONTRACT "policies"): how long a new version cools down before it may be applied, and
 * which drifts the sweep may apply on its own. Pure rules here; the SQL lives in @drift/db policy-store.ts.
 */

export const AUTO_APPLY = ["none", "patch", "minor", "major", "any"] as const;
export type AutoApply = (typeof AUTO_APPLY)[number];

/** What a policy requires of a version's trust before the sweep applies it by itself (CONTRACT "trust"). */
export const REQUIRE = ["none", "signed", "immutable"] as const;
export type Require = (typeof REQUIRE)[number];

/**
 * What a version is vouched for by: the host marks its release immutable, or its signature is valid, or
 * nothing; null: not looked up yet.
 */
export type Trust = "immutable_release" | "signed" | "none";

const TRUST_RANK: Record<Trust, number> = { none: 0, signed: 1, immutable_release: 2 };
const REQUIRED_RANK: Record<Require, number> = { none: 0, signed: 1, immutable: 2 };

/** `immutable` accepts only an immutable release; `signed` a valid signature or an immutable release. */
export function meetsRequirement(trust: Trust | null, require: Require): boolean {
  if (require === "none") return true;
  return trust !== null && TRUST_RANK[trust] >= REQUIRED_RANK[require];
}

/**
 * A trust downgrade: the new version's trust is lower than the one it replaces. Unknown on either side (never
 * looked up, or the installed version never resolved for that target): no downgrade is claimed.
 */
export function isTrustDowngrade(before: Trust | null, after: Trust | null): boolean {
  return before !== null && after !== null && TRUST_RANK[after] < TRUST_RANK[before];
}

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
  /** The trust a row needs to be auto-applied (default `none`). */
  readonly require: Require;
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
 * (then nothing is auto-applied: an unknown installed version could hide any jump). With a tag prefix
 * (`lint@1.2.0`), both must start with it and the versions are read after it.
 */
export function versionBump(from: string | null, to: string | null, prefix?: string): VersionBump | null {
  const parse = (tag: string | null) => {
    const rest = tag === null ? null : versionPartOf(tag, prefix);
    return rest ? semver.parse(semver.clean(rest, { loose: true }) ?? "", { loose: true }) : null;
  };
  const a = parse(from);
  const b = parse(to);
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
  /** The row's tracked_ref (its tag prefix, if any, is not part of the version). */
  readonly tracked_ref?: string | null;
  readonly trust?: Trust | null;
  readonly trust_downgrade?: boolean;
}

/**
 * Whether a policy lets the sweep apply this row by itself. Never: `tag_moved`, `pin_mismatch`, a signature
 * that is invalid or not looked up (null), a trust downgrade or a trust below the policy's `require`, a version
 * downgrade or prerelease, an unknown installed version.
 */
export function allowsAutoApply(
  level: AutoApply,
  row: AutoApplyCandidate,
  require: Require = "none",
): boolean {
  if (level === "none" || row.signature === null || row.signature === "invalid") return false;
  if (row.trust_downgrade === true || !meetsRequirement(row.trust ?? null, require)) return false;
  if (row.drift_kind === "ref_moved") return level === "any";
  if (row.drift_kind !== "new_version") return false;
  const bump = versionBump(row.from_version, row.to_version, tagPrefixOf(row.tracked_ref));
  if (bump !== "patch" && bump !== "minor" && bump !== "major") return false;
  return LEVEL[bump] <= LEVEL[level];
}

/** Kinds of tag-integrity events (the `IntegrityKind` metric dimension). */
export const INTEGRITY_KINDS = [
  "tag_repointed",
  "tag_deleted",
  "tag_recreated",
  "version_downgrade",
  "trust_downgrade",
] as const;
export type IntegrityKind = (typeof INTEGRITY_KINDS)[number];

/** What the post-drift policy step of one message did (for metrics and logs). */
export interface PolicyStepResult {
  readonly autoApplied: number;
  /** Pending rows of these targets still cooling down. */
  readonly coolingDown: number;
  /** Integrity events this step recorded (trust downgrades, found once the packets are known), by kind. */
  readonly integrity?: Readonly<Partial<Record<IntegrityKind, number>>>;
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
