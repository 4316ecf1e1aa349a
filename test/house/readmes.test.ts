/**
 * A newcomer's test: every file of a package is named, in reading order, by the README of its folder (or, when
 * the folder has none, by the nearest README above it, up to the package's own), and every file a README names
 * exists. Names are backticked paths relative to the README's folder (`src/ports.ts` in packages/core/README.md,
 * `decide.ts` in a folder README); paths from the repository root (`packages/…`, `docs/…`) are checked too.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const PACKAGES = join(ROOT, "packages");
const SKIPPED = new Set(["node_modules", "dist", "README.md", "package.json"]);
const ROOT_PREFIXES = ["packages/", "docs/", "test/", "infra/", "functions/", "scripts/", "bench/"];
/** A backticked name that is a file (by its extension) or a folder (a trailing slash). */
const NAMED = /`([A-Za-z0-9_.@/*-]+?(?:\.(?:ts|mts|mjs|js|json|md|css|html)|\/))`/g;

/** Every file of a folder, recursively, as paths relative to the repository root. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED.has(name)) return [];
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [relative(ROOT, path)];
  });
}

/** The README responsible for a file: its folder's, else the nearest one above it inside the package. */
function readmeOf(file: string, packageDir: string): string {
  for (let dir = dirname(join(ROOT, file)); dir.startsWith(packageDir); dir = dirname(dir)) {
    if (existsSync(join(dir, "README.md"))) return relative(ROOT, join(dir, "README.md"));
  }
  throw new Error(`${relative(ROOT, packageDir)} has no README.md`);
}

/** The names a README gives (backticked paths), as written. */
function namesIn(readme: string): string[] {
  return [...readFileSync(join(ROOT, readme), "utf8").matchAll(NAMED)].map((m) => m[1] as string);
}

/** Where a name points: from the repository root for `packages/…` and friends, else from the README's folder. */
function pathOfName(readme: string, name: string): string {
  if (ROOT_PREFIXES.some((prefix) => name.startsWith(prefix))) return join(ROOT, name);
  return join(ROOT, dirname(readme), name);
}

const packages = readdirSync(PACKAGES).filter((name) => statSync(join(PACKAGES, name)).isDirectory());

describe("every package README names every file of its folder, in reading order", () => {
  it.each(packages)("packages/%s", (pkg) => {
    const packageDir = join(PACKAGES, pkg);
    const byReadme = new Map<string, string[]>();
    for (const file of filesUnder(packageDir)) {
      const readme = readmeOf(file, packageDir);
      byReadme.set(readme, [...(byReadme.get(readme) ?? []), file]);
    }
    const problems: string[] = [];
    for (const [readme, files] of byReadme) {
      const named = new Set(namesIn(readme));
      for (const file of files) {
        const name = relative(join(ROOT, dirname(readme)), join(ROOT, file));
        if (!named.has(name))
          problems.push(
            `${readme} does not name \`${name}\`: add it to its "Read in this order" list, where a newcomer should read it (a line such as "N. \`${name}\`: what it holds")`,
          );
      }
    }
    for (const readme of readmesUnder(packageDir)) {
      for (const name of namesIn(readme)) {
        if (name.includes("*")) problems.push(`${readme} names \`${name}\`: name each file, not a pattern`);
        else if (!existsSync(pathOfName(readme, name)))
          problems.push(
            `${readme} names \`${name}\`, which does not exist: rename it to the file's name now, or drop it`,
          );
      }
    }
    expect(problems, problems.join("\n")).toEqual([]);
  });
});

/** Every README.md of a package (its own and its folders'), relative to the repository root. */
function readmesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (name === "node_modules" || name === "dist") return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return readmesUnder(path);
    return name === "README.md" ? [relative(ROOT, path)] : [];
  });
}
