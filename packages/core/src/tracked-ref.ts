import semver from "semver";
import { hasControlCharacter, invalid, ok, type Parsed, preview, skipped } from "./parse-result";

/** What a plugin follows upstream, parsed from `tracked_ref`. */
export type TrackedRef =
  | { readonly type: "tag"; readonly name: string }
  /** `prefix` (monorepos, `tag:latest:lint@`): only tags starting with it count, the version is the rest. */
  | { readonly type: "latest"; readonly prefix?: string }
  | { readonly type: "semver"; readonly range: string; readonly prefix?: string }
  | { readonly type: "ref"; readonly name: string }
  | { readonly type: "branch"; readonly name: string }
  | { readonly type: "sha"; readonly sha: string };

/** The kind of change a drift represents; stored in the queue row. */
export type DriftKind = "tag_moved" | "new_version" | "ref_moved" | "pin_mismatch";

const MAX_REF_LENGTH = 512;

/**
 * A git ref name as `git check-ref-format` allows it (one level or more), minus anything we would
 * not dare put in a URL path or a GraphQL literal without escaping.
 */
export function isValidRefName(name: string): boolean {
  if (name.length === 0 || name.length > 255) return false;
  // Control characters, space and DEL are never part of a ref name.
  if (hasControlCharacter(name) || name.includes(" ")) return false;
  if (/[~^:?*[\\]/.test(name)) return false;
  if (name.includes("..") || name.includes("@{") || name.includes("//")) return false;
  if (name.startsWith("/") || name.endsWith("/") || name.endsWith(".") || name.endsWith(".lock"))
    return false;
  if (name.startsWith("-") || name === "@") return false;
  return name.split("/").every((part) => part.length > 0 && !part.startsWith("."));
}

/**
 * A tag prefix (`lint@`, `plugins/lint/v`): non-empty, and a tag name once a version follows it (so none of the
 * characters or sequences git forbids; `:` is one of them, which keeps `tag:latest:PREFIX` unambiguous).
 */
function parsePrefix(prefix: string): Parsed<string> {
  return prefix.length > 0 && prefix.length <= 200 && isValidRefName(`${prefix}0`)
    ? ok(prefix)
    : invalid(`bad tag prefix ${JSON.stringify(preview(prefix))}`);
}

/** `semver:RANGE` or `semver:RANGE:PREFIX` (a range never holds `:`). */
function parseSemver(value: string): Parsed<TrackedRef> {
  const colon = value.indexOf(":");
  const range = (colon === -1 ? value : value.slice(0, colon)).trim();
  if (range === "" || range.length > 256 || semver.validRange(range) === null)
    return invalid(`bad semver range ${JSON.stringify(preview(value))}`);
  if (colon === -1) return ok({ type: "semver", range });
  const prefix = parsePrefix(value.slice(colon + 1));
  return prefix.status === "ok" ? ok({ type: "semver", range, prefix: prefix.value }) : prefix;
}

/**
 * Parses `tracked_ref` as the platform defines it (docs/contracts.md): `none`, `tag:NAME`, `tag:latest`,
 * `tag:latest:PREFIX`, `semver:RANGE`, `semver:RANGE:PREFIX`, `ref:NAME`, `branch:NAME`, `sha:HEX`.
 */
export function parseTrackedRef(raw: string | null | undefined): Parsed<TrackedRef> {
  if (raw == null) return skipped("not tracked (tracked_ref is NULL)");
  if (raw.length > MAX_REF_LENGTH) return invalid(`tracked_ref is too long (${raw.length} chars)`);
  const text = raw.trim();
  if (text === "" || text.toLowerCase() === "none") return skipped("not tracked");
  const colon = text.indexOf(":");
  if (colon === -1)
    return invalid(`tracked_ref ${JSON.stringify(preview(text))} has no kind (expected e.g. tag:NAME)`);
  const kind = text.slice(0, colon);
  const value = text.slice(colon + 1);
  switch (kind) {
    case "tag":
      if (value === "latest") return ok({ type: "latest" });
      if (value.startsWith("latest:")) {
        const prefix = parsePrefix(value.slice("latest:".length));
        return prefix.status === "ok" ? ok({ type: "latest", prefix: prefix.value }) : prefix;
      }
      return isValidRefName(value)
        ? ok({ type: "tag", name: value })
        : invalid(`bad tag name ${JSON.stringify(preview(value))}`);
    case "branch":
    case "ref":
      return isValidRefName(value)
        ? ok({ type: kind, name: value })
        : invalid(`bad ${kind} name ${JSON.stringify(preview(value))}`);
    case "semver":
      return parseSemver(value);
    case "sha":
      return /^[0-9a-fA-F]{7,64}$/.test(value)
        ? ok({ type: "sha", sha: value.toLowerCase() })
        : invalid(`bad pinned sha ${JSON.stringify(preview(value))} (7 to 64 hex characters)`);
    default:
      return invalid(`unknown tracked_ref kind ${JSON.stringify(preview(kind, 20))}`);
  }
}

/** The canonical text of a tracked ref: the same ref always gives the same string (used in target keys). */
export function formatTrackedRef(ref: TrackedRef): string {
  switch (ref.type) {
    case "latest":
      return ref.prefix === undefined ? "tag:latest" : `tag:latest:${ref.prefix}`;
    case "semver":
      return ref.prefix === undefined ? `semver:${ref.range}` : `semver:${ref.range}:${ref.prefix}`;
    case "sha":
      return `sha:${ref.sha}`;
    default:
      return `${ref.type}:${ref.name}`;
  }
}

/** What a change of the resolved commit means for this kind of ref. */
export function driftKindOf(ref: TrackedRef): DriftKind {
  switch (ref.type) {
    case "tag":
      return "tag_moved";
    case "latest":
    case "semver":
      return "new_version";
    case "sha":
      return "pin_mismatch";
    default:
      return "ref_moved";
  }
}

/**
 * The version part of a tag name: the rest after `prefix` (null when the tag does not start with it), or the
 * whole name without a prefix.
 */
export function versionPartOf(name: string, prefix: string | undefined | null): string | null {
  if (!prefix) return name;
  return name.startsWith(prefix) ? name.slice(prefix.length) : null;
}

/** The tag prefix of a tracked_ref (`tag:latest:PREFIX`, `semver:RANGE:PREFIX`), if it has one. */
export function tagPrefixOf(trackedRef: string | null | undefined): string | undefined {
  const ref = parseTrackedRef(trackedRef);
  if (ref.status !== "ok") return undefined;
  return ref.value.type === "latest" || ref.value.type === "semver" ? ref.value.prefix : undefined;
}
