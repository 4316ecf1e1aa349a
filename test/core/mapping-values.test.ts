import { classifyRow, mapRowValues, type RowValues, rememberingClassifier } from "@drift/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const values = (source_raw: string, tracked_ref: string, installed_sha: string | null): RowValues => ({
  source_raw,
  tracked_ref,
  installed_sha,
});

describe("mapping a page by its distinct values", () => {
  it("splits values into mappings (target, drift kind) and problems (status, reason)", () => {
    const page = mapRowValues([
      values("github://acme/lint#v1", "tag:latest", "a".repeat(40)),
      values("local://x", "tag:latest", "a".repeat(40)),
      values("github://acme/lint", "branch:main", null),
      values("github://acme/lint", "bogus", "a".repeat(40)),
    ]);
    expect(page.mappings.map((m) => [m.target.key, m.driftKind])).toEqual([
      ["github:github/acme/lint#tag:latest", "new_version"],
    ]);
    expect(page.problems.map((p) => [p.values.source_raw, p.status])).toEqual([
      ["local://x", "skipped"],
      ["github://acme/lint", "skipped"],
      ["github://acme/lint", "invalid"],
    ]);
  });

  it("the remembering classifier answers exactly as classifyRow, parsing each value once, up to its limit", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            source_raw: fc.constantFrom("github://a/b", "gitea://h.example/o/r", "local://x", "ftp://x", ""),
            tracked_ref: fc.constantFrom("tag:latest", "branch:main", "semver:^1", "none", "bogus"),
            installed_sha: fc.constantFrom(null, "", "abc", "a".repeat(40), "ABCDEF1"),
          }),
        ),
        (rows) => {
          const classify = rememberingClassifier(3);
          for (const r of [...rows, ...rows]) expect(classify(r)).toEqual(classifyRow(r));
        },
      ),
    );
    // Null and '' installed_sha are distinct values (both unknown, remembered apart).
    const classify = rememberingClassifier();
    const a = classify(values("github://a/b", "tag:latest", null));
    const b = classify(values("github://a/b", "tag:latest", ""));
    expect(a).toEqual(classifyRow(values("github://a/b", "tag:latest", null)));
    expect(b).toEqual(classifyRow(values("github://a/b", "tag:latest", "")));
    expect(classify(values("github://a/b", "tag:latest", null))).toBe(a);
  });
});
