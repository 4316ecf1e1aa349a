import semver from "semver";
import { hasControlCharacter, invalid, ok, type Parsed, preview, skipped } from "./parse-result";

/** What a plugin follows upstream, parsed from `tracked_ref`. */
export type TrackedRef =
  | { readonly type: "tag"; readonly name: string }
  | { readonly type: "latest" }
  | { readonly type: "semver"; readonly range: string }
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
 * Parses `tracked_ref` as the platform defines it (docs/contracts.md): `none`, `tag:NAME`, `tag:latest`, `semver:RANGE`, `ref:NAME`,
 * `branch:NAME`, `sha:HEX`.
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
      return isValidRefName(value)
        ? ok({ type: "tag", name: value })
        : invalid(`bad tag name ${JSON.stringify(preview(value))}`);
    case "branch":
    case "ref":
      return isValidRefName(value)
        ? ok({ type: kind, name: value })
        : invalid(`bad ${kind} name ${JSON.stringify(preview(value))}`);
    case "semver": {
      const range = value.trim();
      if (range === "" || range.length > 256 || semver.validRange(range) === null) {
        return invalid(`bad semver range ${JSON.stringify(preview(value))}`);
      }
      return ok({ type: "semver", range });
    }
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
      return "tag:latest";
    case "semver":
      return `semver:${ref.range}`;
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
