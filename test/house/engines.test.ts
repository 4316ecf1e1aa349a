/**
 * `npm ci` on a supported Node prints no engine warning (issue 25): package.json's `engines.node` states the Node
 * versions the project supports, and every package the lockfile installs supports all of them (a range npm would
 * warn about on one of them fails here, whatever Node runs the test). .ci/run also fails on an EBADENGINE line.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const readJson = (path: string) => JSON.parse(readFileSync(join(ROOT, path), "utf8"));

interface LockEntry {
  readonly version?: string;
  readonly engines?: { readonly node?: string } | readonly string[];
}
const manifest = readJson("package.json") as {
  engines: { node: string };
  overrides: Record<string, Record<string, string>>;
};
const lock = readJson("package-lock.json") as { packages: Record<string, LockEntry> };
const supported = manifest.engines.node;

describe("the Node versions the project supports", () => {
  it("the Node running this test is one of them", () => {
    expect(semver.validRange(supported)).not.toBeNull();
    expect(semver.satisfies(process.version, supported), `${process.version} vs ${supported}`).toBe(true);
  });

  it("every package in the lockfile supports every one of them (no EBADENGINE on any)", () => {
    const refusing = Object.entries(lock.packages).flatMap(([path, entry]) => {
      const node = Array.isArray(entry.engines) ? undefined : (entry.engines as { node?: string })?.node;
      if (!path || !node) return [];
      return semver.subset(supported, node) ? [] : [`${path}@${entry.version}: node ${node}`];
    });
    expect(refusing).toEqual([]);
  });

  it("the durable-execution SDK override is still needed: sst still depends on it", () => {
    // Every sst 4.x pins @aws/durable-execution-sdk-js 1.0.2 (Node >= 22), used only by `sst/aws/workflow`,
    // which nothing here imports (next test): the override swaps in the publisher's empty 0.0.1. When sst
    // stops depending on it, drop the override (this test then says so).
    const sst = readJson("node_modules/sst/package.json") as { dependencies: Record<string, string> };
    expect(Object.keys(sst.dependencies)).toContain("@aws/durable-execution-sdk-js");
    expect(manifest.overrides.sst?.["@aws/durable-execution-sdk-js"]).toBe("0.0.1");
    expect(lock.packages["node_modules/sst/node_modules/@aws/durable-execution-sdk-js"]?.version).toBe(
      "0.0.1",
    );
  });

  it("nothing imports what the override empties (sst/aws/workflow needs Node 22: raise engines.node first)", () => {
    const sources = execFileSync("git", ["ls-files", "*.ts", "*.mts", "*.js", "*.mjs", "*.cjs"], {
      cwd: ROOT,
      encoding: "utf8",
    })
      .split("\n")
      .filter((f) => f && f !== "test/house/engines.test.ts");
    const importers = sources.filter((f) =>
      /["'](sst\/aws\/workflow|@aws\/durable-execution-sdk-js)["']/.test(readFileSync(join(ROOT, f), "utf8")),
    );
    expect(importers).toEqual([]);
  });
});
