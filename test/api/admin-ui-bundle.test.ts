import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { BUNDLE_MODULE, buildAdminUiModule } from "../../scripts/build-admin-ui";

describe("the admin page's client bundle", () => {
  it("is the build of the current typed sources (run npm run build:admin-ui after editing them)", async () => {
    expect(readFileSync(BUNDLE_MODULE, "utf8")).toBe(await buildAdminUiModule());
  });

  it("stays small and holds no HTML sink for data", async () => {
    const text = await buildAdminUiModule();
    expect(text.length).toBeLessThan(40_000);
    expect(text).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});
