import { generateKeyPairSync } from "node:crypto";
import type { Resolution } from "@drift/core";
import { Redactor } from "@drift/github/internal/shared/redact";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { captureLogger, kind, resolveAll, resolverFor, startSim, TOKEN, target } from "../support/github";

let sim: GitHubSim;
const consoleLines: string[] = [];

beforeAll(async () => {
  sim = await startSim();
  sim.world.createRepo("leak/a");
  sim.world.tag("leak/a", "v1");
  for (const level of ["log", "debug", "info", "warn", "error"] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      consoleLines.push(args.map(String).join(" "));
    });
  }
});
afterAll(async () => {
  vi.restoreAllMocks();
  await sim.close();
});
afterEach(() => {
  sim.faults.clear();
});

const WRONG_TOKEN = "ghp_NotAcceptedByTheSimulator000000000001";
const texts = (results: Map<string, Resolution>) => [...results.values()].map((r) => JSON.stringify(r));

describe("the configured token never appears in logs or messages", () => {
  it("on 401, 403 and 5xx answers (even when the server echoes the credentials), over GraphQL, REST and Gitea", async () => {
    const logger = captureLogger();
    const outputs: string[] = [];
    const echo = `Bad request from Authorization: token ${TOKEN}`;
    const gh = [target("github://leak/a", "tag:v1"), target("github://leak/a", "tag:latest")];
    const gitea = [target(`gitea://${sim.host}/leak/a`, "tag:v1")];

    const scenarios: [string, () => void, Parameters<typeof resolverFor>[1]][] = [
      ["401", () => {}, { auth: { token: WRONG_TOKEN }, giteaToken: WRONG_TOKEN }],
      ["403 echo", () => sim.faults.add({ kind: "status", status: 403, message: echo }), {}],
      ["500 echo", () => sim.faults.add({ kind: "status", status: 500, message: echo }), {}],
      [
        "502 echo rest",
        () => sim.faults.add({ kind: "status", status: 502, message: echo }),
        { useGraphql: false },
      ],
      [
        "graphql error echo",
        () => sim.faults.add({ kind: "graphqlError", repository: "leak/a", type: "INTERNAL", message: echo }),
        {},
      ],
      ["timeout", () => sim.faults.add({ kind: "hang" }), { requestTimeoutMs: 200 }],
    ];
    for (const [name, arm, overrides] of scenarios) {
      sim.faults.clear();
      arm();
      const results = await resolveAll(resolverFor(sim, { logger, ...overrides }), [...gh, ...gitea]);
      expect(
        [...results.values()].some((r) => kind(r) !== "resolved"),
        name,
      ).toBe(true);
      outputs.push(...texts(results));
    }
    const everything = [...outputs, ...logger.lines.map((l) => JSON.stringify(l)), ...consoleLines].join(
      "\n",
    );
    console.info(`checked ${outputs.length} messages and ${logger.lines.length} log lines`);
    expect(logger.lines.length).toBeGreaterThan(10);
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN.slice(4)); // not even without its prefix
    expect(everything).not.toContain(WRONG_TOKEN);
    // The echoed credentials did reach the resolver and were scrubbed (so this test can fail).
    expect(everything).toContain("[REDACTED]");
  });

  it("an App private key is never logged either", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const logger = captureLogger();
    sim.faults.add({ kind: "status", status: 500, message: `key was ${privateKey}` });
    const results = await resolveAll(
      resolverFor(sim, { logger, auth: { appId: 1, privateKey, installationId: 2 } }),
      [target("github://leak/a", "tag:v1")],
    );
    const everything = [...texts(results), ...logger.lines.map((l) => JSON.stringify(l))].join("\n");
    const keyBody = privateKey.split("\n")[2] as string;
    expect(everything).not.toContain(keyBody);
  });
});

describe("Redactor", () => {
  it("scrubs configured secrets and credential-shaped strings", () => {
    const r = new Redactor(["s3cret-value", undefined, ""]);
    expect(r.text("x s3cret-value y")).toBe("x [REDACTED] y");
    expect(r.text("ghs_abcdefghijklmnopqrstuvwx12")).toBe("[REDACTED]");
    expect(r.text("github_pat_11ABCDEFG0abcdefghijklmnop_qrstuv")).toBe("[REDACTED]");
    expect(r.text("Authorization: Bearer eyJhbGciOi.J9eyJpc3MiOjF9.c2lnbmF0dXJl1")).toBe(
      "Authorization: Bearer [REDACTED]",
    );
    expect(r.text("https://x/y?access_token=abc123&z=1")).toBe("https://x/y?access_token=[REDACTED]&z=1");
    expect(r.text("tag v1.2.0 not found in acme/lint")).toBe("tag v1.2.0 not found in acme/lint");
    expect(r.fields({ n: 1, s: "s3cret-value", o: { deep: "s3cret-value" } })).toEqual({
      n: 1,
      s: "[REDACTED]",
      o: '{"deep":"[REDACTED]"}',
    });
  });
});
