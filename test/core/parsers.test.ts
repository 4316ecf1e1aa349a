import {
  classifyRow,
  formatTrackedRef,
  parseInstalledSha,
  parseSource,
  parseTrackedRef,
  shaMatches,
} from "@drift/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

describe("parseSource", () => {
  it.each([
    [
      "github://acme/lint-plugin#v1.2.0",
      { provider: "github", host: "github", owner: "acme", repo: "lint-plugin" },
    ],
    ["github://acme/lint-plugin", { provider: "github", host: "github", owner: "acme", repo: "lint-plugin" }],
    [
      "https://github.com/acme/lint-plugin",
      { provider: "github", host: "github", owner: "acme", repo: "lint-plugin" },
    ],
    [
      "https://github.com/acme/lint-plugin.git",
      { provider: "github", host: "github", owner: "acme", repo: "lint-plugin" },
    ],
    [
      "https://github.com/acme/lint.git#main",
      { provider: "github", host: "github", owner: "acme", repo: "lint" },
    ],
    [
      "gitea://git.example.com/team/tool#v2",
      { provider: "gitea", host: "git.example.com", owner: "team", repo: "tool" },
    ],
    [
      "gitea://Git.Example.com:3000/team/tool",
      { provider: "gitea", host: "git.example.com:3000", owner: "team", repo: "tool" },
    ],
    ["  github://acme/lint  ", { provider: "github", host: "github", owner: "acme", repo: "lint" }],
    ["https://GITHUB.COM/Acme/Lint.GIT", { provider: "github", host: "github", owner: "Acme", repo: "Lint" }],
  ])("accepts %j", (raw, expected) => {
    expect(parseSource(raw)).toEqual({ status: "ok", value: expected });
  });

  it.each(["local://my-plugin", "my-plugin", "LOCAL://x", "my plugin", "plug\u00efn", "team/tool"])(
    "skips %j (no upstream)",
    (raw) => {
      expect(parseSource(raw).status).toBe("skipped");
    },
  );

  it.each([
    "",
    "   ",
    "ftp://example.com/a/b",
    "github://acme",
    "github://acme/lint/extra",
    "github://../etc",
    "github://acme/..",
    "github://acme/li nt",
    "https://gitlab.com/acme/lint",
    "gitea://acme",
    "gitea://bad_host!/a/b",
    "github://ac\u00e9me/lint",
    "github://acme/lint\u202e",
    `github://acme/${"x".repeat(5000)}`,
    "javascript:alert(1)",
    "../../etc/passwd",
    "/abs/path",
    "bad\u0000name",
    "github://acme/lint\u0007",
  ])("reports %j as invalid, with a bounded reason", (raw) => {
    const r = parseSource(raw);
    expect(r.status).toBe("invalid");
    if (r.status === "invalid") expect(r.reason.length).toBeLessThan(300);
  });
});

describe("parseTrackedRef", () => {
  it.each([
    ["tag:v1.2.0", { type: "tag", name: "v1.2.0" }],
    ["tag:latest", { type: "latest" }],
    ["semver:^1.4", { type: "semver", range: "^1.4" }],
    ["semver:>=1.0.0 <2", { type: "semver", range: ">=1.0.0 <2" }],
    ["ref:main", { type: "ref", name: "main" }],
    ["branch:release/1.x", { type: "branch", name: "release/1.x" }],
    ["sha:ABCDEF0", { type: "sha", sha: "abcdef0" }],
    ["tag:latest:lint@", { type: "latest", prefix: "lint@" }],
    ["semver:^2:plugins/lint/v", { type: "semver", range: "^2", prefix: "plugins/lint/v" }],
    ["semver:>=1 <3:fmt-", { type: "semver", range: ">=1 <3", prefix: "fmt-" }],
  ])("parses %j", (raw, expected) => {
    expect(parseTrackedRef(raw)).toEqual({ status: "ok", value: expected });
  });

  it.each(["tag:latest:lint@", "semver:^2:plugins/lint/v", "tag:latest", "semver:^1.4"])(
    "%j keeps its canonical text (target keys)",
    (raw) => {
      const parsed = parseTrackedRef(raw);
      expect(parsed.status === "ok" && formatTrackedRef(parsed.value)).toBe(raw);
    },
  );

  it.each(["none", "None", "NONE", "", "  ", null])("%j is not tracked (skipped)", (raw) => {
    expect(parseTrackedRef(raw).status).toBe("skipped");
  });

  it.each([
    "latest",
    "tag:",
    "tag:a..b",
    "tag:../x",
    "branch:has space",
    "branch:x\u0000",
    "semver:not a range!",
    "tag:latest:",
    "tag:latest:a..b",
    "tag:latest:x y",
    "tag:latest:-x",
    "tag:latest:a:b",
    "tag:latest:x@{",
    "semver:^2:",
    "semver:banana:lint@",
    "sha:xyz1234",
    "sha:abc12",
    `sha:${"a".repeat(65)}`,
    "commit:abc",
    "TAG:v1",
  ])("reports %j as invalid", (raw) => {
    expect(parseTrackedRef(raw).status).toBe("invalid");
  });
});

describe("parseInstalledSha", () => {
  it("skips unknown (NULL or empty)", () => {
    expect(parseInstalledSha(null).status).toBe("skipped");
    expect(parseInstalledSha("").status).toBe("skipped");
  });
  it("accepts 7 to 64 hex characters, lower-cased", () => {
    expect(parseInstalledSha("ABCDEF1")).toEqual({ status: "ok", value: "abcdef1" });
    expect(parseInstalledSha("a".repeat(64)).status).toBe("ok");
  });
  it.each(["abc123", "a".repeat(65), "ghijklm", " abcdef1", "abcdef1 ", "abcdef\u0661"])(
    "rejects %j",
    (raw) => {
      expect(parseInstalledSha(raw).status).toBe("invalid");
    },
  );
  it("compares case-insensitively and by prefix", () => {
    const full = "0123456789abcdef0123456789abcdef01234567";
    expect(shaMatches("0123456", full)).toBe(true);
    expect(shaMatches(full.toUpperCase(), full)).toBe(true);
    expect(shaMatches("0123457", full)).toBe(false);
  });
});

describe("properties", () => {
  const hostile = fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 300 }),
    fc.string({ unit: "binary", maxLength: 300 }),
    fc.constantFrom(
      "github://",
      "gitea://",
      "https://github.com/",
      "local://",
      "tag:",
      "semver:",
      "sha:",
      "../",
      "#",
    ),
    fc
      .tuple(fc.constantFrom("github://", "gitea://h/", "tag:", "semver:", "branch:"), fc.string())
      .map(([a, b]) => a + b),
  );

  it("parsers never throw, whatever the input", () => {
    fc.assert(
      fc.property(hostile, hostile, fc.option(hostile), (source, ref, installed) => {
        for (const r of [parseSource(source), parseTrackedRef(ref), parseInstalledSha(installed)]) {
          expect(["ok", "skipped", "invalid"]).toContain(r.status);
        }
        const c = classifyRow({ id: "x", source_raw: source, tracked_ref: ref, installed_sha: installed });
        expect(["ok", "skipped", "invalid"]).toContain(c.status);
      }),
      { numRuns: 3000 },
    );
  });

  it("a valid github source always round-trips owner and repo", () => {
    const name = fc
      .stringMatching(/^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,30}$/)
      .filter((n) => n !== "." && n !== "..");
    fc.assert(
      fc.property(name, name, (owner, repo) => {
        const r = parseSource(`github://${owner}/${repo}`);
        expect(r.status).toBe("ok");
        if (r.status === "ok")
          expect([r.value.owner, r.value.repo]).toEqual([owner, repo.replace(/\.git$/, "")]);
      }),
    );
  });

  it("target keys are identical for the same repo in any letter case", () => {
    const a = classifyRow({
      id: "1",
      source_raw: "github://Acme/Lint",
      tracked_ref: "tag:v1",
      installed_sha: "abcdef1",
    });
    const b = classifyRow({
      id: "2",
      source_raw: "https://github.com/acme/lint.git",
      tracked_ref: "tag:v1",
      installed_sha: "abcdef1",
    });
    expect(a.status === "ok" && b.status === "ok" && a.value.target.key === b.value.target.key).toBe(true);
  });
});
