/**
 * Every Lambda handler under functions/ bundles with esbuild into exactly one self-contained ESM file that
 * loads in a fresh Node process (scripts/bundle.ts, `npm run bundle` prints the sizes).
 */
import { mkdtempSync, rmSync } from "node:fs";
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
      smokeLoad(result.outfile);
    });
  }
});
