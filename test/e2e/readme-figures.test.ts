import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  BEGIN,
  type BenchResults,
  END,
  README_FILE,
  RESULTS_FILE,
  renderFigures,
  withFigures,
} from "../../bench/readme-figures";

const results = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as BenchResults;
const readme = readFileSync(README_FILE, "utf8");

describe("README figures", () => {
  it("say exactly what bench/results.json says (npm run bench:readme re-renders them)", () => {
    const block = readme.slice(readme.indexOf(BEGIN) + BEGIN.length, readme.indexOf(END));
    expect(block.trim()).toBe(renderFigures(results).trim());
    expect(withFigures(readme, results)).toBe(readme);
  });

  it("render each measured number from the file, and refuse a README without the markers", () => {
    const changed: BenchResults = {
      ...results,
      w1: { ...results.w1, processMs: { ...results.w1.processMs, median: 1234.5 }, timeRatio: 4321 },
    };
    const text = renderFigures(changed);
    expect(text).toContain("1.23 s, 4 GraphQL requests");
    expect(text).toContain(`at commit ${results.commit?.sha.slice(0, 7)}`);
    expect(text).toContain("/ 4,321× /");
    expect(() => withFigures("# no markers", results)).toThrow(/markers/);
  });
});
