import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createCliLogger } from "../../packages/local/src/logger";

/** A stream that keeps what is written, and says whether it is a terminal. */
function capture(isTTY: boolean) {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { out, text: () => chunks.join("") };
}

describe("CLI logger (the core Log on a terminal or a pipe)", () => {
  it("writes JSON lines to a pipe, above the level only", () => {
    const { out, text } = capture(false);
    const log = createCliLogger("info", out, { run: "r1" });
    log.debug("hidden");
    log.warn("publish failed", { attempts: 2 });
    const lines = text().trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      level: "warn",
      message: "publish failed",
      run: "r1",
      attempts: 2,
    });
  });

  it("writes readable lines to a terminal", () => {
    const { out, text } = capture(true);
    createCliLogger("info", out).info("event plugin.update.applied", { detail: { to_sha: "abc" }, id: "e1" });
    expect(text()).toMatch(
      /^\d{2}:\d{2}:\d{2} info {2}event plugin\.update\.applied detail=\{"to_sha":"abc"\} id=e1\n$/,
    );
  });
});
