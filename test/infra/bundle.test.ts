/**
 * Every Lambda handler under functions/ bundles with esbuild into exactly one self-contained ESM file that
 * loads in a fresh Node process (scripts/bundle.ts, `npm run bundle` prints the sizes).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleHandler, handlerFiles, smokeLoad } from "../../scripts/bundle";

const outDir = mkdtempSync(join(tmpdir(), "drift-bundles-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe("handler bundles", () => {
  const files = handlerFiles();

  it("exist for the migrate handler at least (the others come with their issues)", () => {
    expect(files.map((f) => basename(f))).toContain("migrate.ts");
  });

  for (const file of files) {
    it(`${basename(file)} bundles to one file that loads on its own`, async () => {
      const result = await bundleHandler(file, outDir);
      console.log(
        `${result.handler}: ${(result.bytes / 1024).toFixed(1)} KiB (${(result.gzipBytes / 1024).toFixed(1)} KiB gzip)`,
      );
      expect(result.outputs).toHaveLength(1);
      expect(result.bytes).toBeGreaterThan(0);
      // postgres.js goes in as installed, so with patches/postgres+3.4.9.patch (applied at npm ci).
      const pg = Object.keys(result.metafile.inputs).filter((i) => i.endsWith("postgres/src/connection.js"));
      expect(pg).toHaveLength(1); // every handler reaches the database
      for (const input of pg) expect(readFileSync(input, "utf8")).toContain("drift patch");
      smokeLoad(result.outfile);
    });
  }
});
