/** `drift pending` shows what a version is vouched for by, and a trust downgrade flagged, within 70 columns. */
import type { UpdateGroup } from "@drift/db";
import { describe, expect, it } from "vitest";
import { groupTable } from "../../packages/local/src/commands/pending";

const group = (over: Partial<UpdateGroup>): UpdateGroup =>
  ({
    ids: ["08f4a4da-eefe-4889-b978-2382ece8c88c"],
    workspace_ids: ["w"],
    plugin_names: ["sign-kit"],
    count: 1,
    first_detected_at: new Date(),
    status: "pending",
    tracked_ref: "tag:latest",
    current_sha: "a".repeat(40),
    latest_sha: "b".repeat(40),
    source_raw: "github://acme/sign-kit",
    drift_kind: "new_version",
    resolved_tag: "v1.2.1",
    repository: { host: "github.com", owner: "acme", name: "sign-kit", url: null },
    compare_url: null,
    from_version: "v1.2.0",
    to_version: "v1.2.1",
    commits_ahead: 1,
    committed_at: new Date("2022-01-04T00:00:00Z"),
    release: null,
    signature: "unsigned",
    trust: "none",
    trust_downgrade: false,
    first_seen_at: new Date("2030-01-01T00:00:00Z"),
    tagged_at: null,
    ready_at: null,
    hold_until: null,
    updated_at: new Date(),
    created_at: new Date(),
    suspicious: false,
    ...over,
  }) as UpdateGroup;

describe("drift pending: trust", () => {
  it("flags a trust downgrade in 70 columns; --wide names the trust, first sighting and the author's date", () => {
    const narrow = groupTable(
      [group({ trust_downgrade: true, suspicious: true }), group({ trust: "immutable_release", ids: ["1"] })],
      70,
      false,
    );
    const lines = narrow.split("\n");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(70);
    expect(lines[0]).toMatch(/TRUST$/);
    expect(lines[1]).toMatch(/\(!\)down$/);
    expect(lines[2]).toMatch(/immuta…$/);
    const wide = groupTable([group({ trust_downgrade: true, suspicious: true })], 70, true);
    expect(wide).toContain("FIRST SEEN");
    expect(wide).toContain("AUTHOR'S DATE");
    expect(wide).toContain("(!) down none");
    expect(wide).toContain("2030-01-01 00:00");
    expect(wide).toContain("2022-01-04");
  });
});
