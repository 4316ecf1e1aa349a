import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import { buildCli, CLI_OUT_DIR } from "../../scripts/build-cli";

const BIN = fileURLToPath(new URL("../../packages/local/bin/drift.mjs", import.meta.url));
const run = promisify(execFile);

async function drift(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], {
      env: { PATH: process.env.PATH },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

// The build `npm ci` runs (root prepare script), run again here so that the test checks today's sources.
beforeAll(async () => {
  await buildCli();
});

describe("the built `drift` bin (compiled JavaScript, as npx drift runs it)", () => {
  it("drift --help lists every command and exits 0", async () => {
    const r = await drift(["--help"]);
    expect(r.code).toBe(0);
    for (const name of ["migrate", "sweep", "track", "demo", "pending", "apply", "dismiss", "serve"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    }
  });

  it("loads a command's module on demand: drift sweep --help prints its usage; an unknown command exits 2", async () => {
    const usage = await drift(["sweep", "--help"]);
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain("drift sweep [--json]");
    const unknown = await drift(["nosuch"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'nosuch'");
    // A typo is answered with the command it most likely meant, not the whole help.
    const typo = await drift(["pendng"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("drift: unknown command 'pendng'. Did you mean 'drift pending'?\n");
    expect((await drift(["aplpy"])).stderr).toContain("Did you mean 'drift apply'?");
  });

  it("the entry imports no package and no TypeScript loader: commands bring their own imports", () => {
    const entry = readFileSync(join(CLI_OUT_DIR, "main.mjs"), "utf8");
    const bare = [...entry.matchAll(/(?:from|import)\s*\(?\s*"([^"]+)"/g)]
      .map((m) => m[1] as string)
      .filter((p) => !p.startsWith(".") && !p.startsWith("node:"));
    expect(bare).toEqual([]);
    expect(entry).not.toContain("tsx");
    expect(readFileSync(BIN, "utf8")).not.toMatch(/tsx|\.ts"/);
  });
});
