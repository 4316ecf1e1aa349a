import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deployReal } from "../support/sst-real";

describe("prototype", () => {
  it("lists", async () => {
    const s = await deployReal("prod");
    writeFileSync("/tmp/i23infra/res.json", JSON.stringify(s.resources.filter(r=>!r.type.startsWith("aws:ec2")&&!r.type.includes("dashboard")&&!r.type.includes("s3/")), null, 1));
    expect(s.resources.length).toBeGreaterThan(0);
  }, 120_000);
});
