import {
  allowsAutoApply,
  coolingDownLabel,
  isTrustDowngrade,
  judgeTags,
  makeTarget,
  meetsRequirement,
  minReleaseAgeSetting,
  observeTags,
  parseReleaseAge,
  parseSource,
  parseTrackedRef,
  type TargetOutcome,
  type Trust,
  versionBump,
} from "@drift/core";
import { describe, expect, it } from "vitest";

const H = 3600e3;

describe("release age", () => {
  it.each([
    ["0", 0],
    ["72h", 72 * H],
    ["3d", 72 * H],
    ["90m", 1.5 * H],
    ["2w", 14 * 24 * H],
    ["366d", 366 * 24 * H],
  ])("%s is %d ms", (text, ms) => expect(parseReleaseAge(text)).toBe(ms));
  it.each(["", "3", "-1h", "1.5h", "3 days", "367d", "h"])("%j is no age", (text) =>
    expect(parseReleaseAge(text)).toBeNull(),
  );
  it("DRIFT_MIN_RELEASE_AGE defaults to 0 and refuses a malformed value", () => {
    expect(minReleaseAgeSetting(undefined)).toBe(0);
    expect(minReleaseAgeSetting("3d")).toBe(72 * H);
    expect(() => minReleaseAgeSetting("soon")).toThrow(/DRIFT_MIN_RELEASE_AGE/);
  });
});

describe("semver bump and auto-apply", () => {
  it.each([
    ["v1.2.3", "v1.2.4", "patch"],
    ["1.2.3", "v1.3.0", "minor"],
    ["v1.9.9", "v2.0.0", "major"],
    ["v1.2.3", "v1.2.3", "none"],
    ["v1.3.0", "v1.2.9", "downgrade"],
    ["v1.2.3", "v1.2.4-rc.1", "prerelease"],
    [null, "v1.2.4", null],
    ["main", "v1.2.4", null],
  ])("%s → %s is %s", (from, to, bump) => expect(versionBump(from, to)).toBe(bump));

  const row = { drift_kind: "new_version", signature: "valid", from_version: "v1.0.0", to_version: "v1.1.0" };
  it("allows a bump up to the policy's level and nothing else", () => {
    expect(allowsAutoApply("patch", row)).toBe(false);
    expect(allowsAutoApply("minor", row)).toBe(true);
    expect(allowsAutoApply("major", row)).toBe(true);
    expect(allowsAutoApply("none", row)).toBe(false);
    expect(allowsAutoApply("any", { ...row, drift_kind: "ref_moved" })).toBe(true);
    expect(allowsAutoApply("major", { ...row, drift_kind: "ref_moved" })).toBe(false);
  });
  it("never applies tag_moved, pin_mismatch, invalid or unknown signatures, unknown or lower versions", () => {
    for (const bad of [
      { drift_kind: "tag_moved" },
      { drift_kind: "pin_mismatch" },
      { signature: "invalid" },
      { signature: null },
      { from_version: null },
      { to_version: "v0.9.0" },
    ])
      expect(allowsAutoApply("any", { ...row, ...bad }), JSON.stringify(bad)).toBe(false);
    expect(allowsAutoApply("any", { ...row, signature: "unsigned" })).toBe(true);
  });
  it("reads versions after a tag prefix; a tag without it is no version", () => {
    expect(versionBump("lint@1.2.3", "lint@1.2.4", "lint@")).toBe("patch");
    expect(versionBump("plugins/x/v1.9.0", "plugins/x/v2.0.0", "plugins/x/v")).toBe("major");
    expect(versionBump("fmt@1.2.3", "lint@1.2.4", "lint@")).toBeNull();
    const prefixed = { ...row, from_version: "lint@1.0.0", to_version: "lint@1.0.1" };
    expect(allowsAutoApply("patch", { ...prefixed, tracked_ref: "tag:latest:lint@" })).toBe(true);
    expect(allowsAutoApply("patch", { ...prefixed, tracked_ref: "tag:latest" })).toBe(false);
  });
  it("require: immutable accepts only an immutable release, signed also a valid signature; a downgrade never", () => {
    const minor = (trust: Trust | null, extra = {}) => ({ ...row, trust, ...extra });
    expect(allowsAutoApply("minor", minor("immutable_release"), "immutable")).toBe(true);
    expect(allowsAutoApply("minor", minor("signed"), "immutable")).toBe(false);
    expect(allowsAutoApply("minor", minor("signed"), "signed")).toBe(true);
    expect(allowsAutoApply("minor", minor("immutable_release"), "signed")).toBe(true);
    expect(allowsAutoApply("minor", minor("none"), "signed")).toBe(false);
    expect(allowsAutoApply("minor", minor(null), "signed")).toBe(false);
    expect(allowsAutoApply("minor", minor(null), "none")).toBe(true);
    expect(allowsAutoApply("minor", minor("signed", { trust_downgrade: true }))).toBe(false);
    expect(isTrustDowngrade("signed", "none")).toBe(true);
    expect(isTrustDowngrade("immutable_release", "signed")).toBe(true);
    expect(isTrustDowngrade("signed", "immutable_release")).toBe(false);
    expect(isTrustDowngrade(null, "none")).toBe(false);
    expect(isTrustDowngrade("signed", null)).toBe(false);
    expect(meetsRequirement("immutable_release", "immutable")).toBe(true);
  });
});

const target = (ref: string) => {
  const source = parseSource("github://acme/kit");
  const tracked = parseTrackedRef(ref);
  if (source.status !== "ok" || tracked.status !== "ok") throw new Error("bad fixture");
  return makeTarget(source.value, tracked.value);
};
const outcome = (ref: string, resolution: TargetOutcome["resolution"]): TargetOutcome => ({
  target: target(ref),
  resolution,
  consecutiveFailures: 0,
  nextCheckAt: null,
  finished: true,
});
const A = "a".repeat(40);
const B = "b".repeat(40);

describe("tag-integrity rules", () => {
  it("records first sightings silently, and each contradiction once", () => {
    const obs = observeTags([
      outcome("tag:latest", {
        status: "resolved",
        sha: B,
        tag: "v2.0.0",
        tags: [
          { name: "v1.0.0", sha: A },
          { name: "v2.0.0", sha: B },
        ],
      }),
    ]);
    const rk = "github:github/acme/kit";
    expect(judgeTags(obs, [], new Map()).findings).toEqual([]);
    const ledger = [
      { repo_key: rk, tag: "v1.0.0", commit_sha: B, tag_object: null, deleted: false },
      { repo_key: rk, tag: "v0.1.0", commit_sha: A, tag_object: null, deleted: false },
      { repo_key: rk, tag: "v2.0.0", commit_sha: B, tag_object: null, deleted: true },
    ];
    const judged = judgeTags(obs, ledger, new Map([[target("tag:latest").key, { tag: "v3.0.0", sha: A }]]));
    expect(judged.findings.map((f) => [f.kind, f.tag])).toEqual([
      ["tag_repointed", "v1.0.0"],
      ["tag_recreated", "v2.0.0"],
      ["tag_deleted", "v0.1.0"],
      ["version_downgrade", "v2.0.0"],
    ]);
  });
  it("a fixed tag answered not_found is deleted; other failures say nothing", () => {
    const rk = "github:github/acme/kit";
    const ledger = [{ repo_key: rk, tag: "v1", commit_sha: A, tag_object: null, deleted: false }];
    const gone = observeTags([outcome("tag:v1", { status: "failed", kind: "not_found", message: "gone" })]);
    expect(judgeTags(gone, ledger, new Map()).findings.map((f) => f.kind)).toEqual(["tag_deleted"]);
    const flaky = observeTags([outcome("tag:v1", { status: "failed", kind: "transient", message: "502" })]);
    expect(judgeTags(flaky, ledger, new Map()).findings).toEqual([]);
  });
  it("a new tag object on the same commit is a re-created tag; an object not known or first learned is none", () => {
    const rk = "github:github/acme/kit";
    const [X, Y] = ["1".repeat(40), "2".repeat(40)];
    const ledger = [
      { repo_key: rk, tag: "v1", commit_sha: A, tag_object: X, deleted: false },
      { repo_key: rk, tag: "v2", commit_sha: A, tag_object: X, deleted: false },
      { repo_key: rk, tag: "v3", commit_sha: A, tag_object: X, deleted: false },
      { repo_key: rk, tag: "v4", commit_sha: A, tag_object: null, deleted: false },
      { repo_key: rk, tag: "v5", commit_sha: A, tag_object: X, deleted: false },
    ];
    const judged = judgeTags(
      observeTags([
        outcome("tag:v1", { status: "resolved", sha: A, tagObject: Y.toUpperCase() }),
        outcome("tag:v2", { status: "resolved", sha: A, tagObject: null }),
        outcome("tag:v3", { status: "resolved", sha: A }),
        outcome("tag:v4", { status: "resolved", sha: A, tagObject: Y }),
        outcome("tag:v5", { status: "resolved", sha: A, tagObject: X }),
      ]),
      ledger,
      new Map(),
    );
    expect(judged.findings).toEqual([
      expect.objectContaining({ kind: "tag_recreated", tag: "v1", previous_tag_object: X, tag_object: Y }),
      expect.objectContaining({ kind: "tag_recreated", tag: "v2", previous_tag_object: X, tag_object: null }),
    ]);
    expect(judged.writes.map((w) => [w.tag, w.tag_object, w.change])).toEqual([
      ["v1", Y, "moved"],
      ["v2", null, "moved"],
      ["v3", X, "seen"],
      ["v4", Y, "seen"],
      ["v5", X, "seen"],
    ]);
    // A listing that does not say keeps what a resolution of the same message said.
    const mixed = observeTags([
      outcome("tag:v1", { status: "resolved", sha: A, tagObject: X }),
      outcome("tag:latest", { status: "resolved", sha: A, tag: "v1", tags: [{ name: "v1", sha: A }] }),
    ]);
    expect(mixed.present.get(rk)?.get("v1")).toEqual({ sha: A, object: X });
  });
});

describe("cooling down label", () => {
  const now = new Date("2026-01-01T00:00:00Z");
  it("names the time while ready_at is ahead, and nothing once ready", () => {
    expect(coolingDownLabel("2026-01-04T00:00:00.000Z", now)).toBe("cooling down until 2026-01-04T00:00:00Z");
    expect(coolingDownLabel(new Date("2025-12-31T00:00:00Z"), now)).toBeNull();
    expect(coolingDownLabel(null, now)).toBeNull();
  });
});
