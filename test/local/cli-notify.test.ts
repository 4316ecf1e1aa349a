import { randomUUID } from "node:crypto";
import type { GitHubSim } from "@drift/github-sim";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliDatabase, createCliDatabase, runDrift } from "../support/api-cli";
import { dbLabel } from "../support/db";
import { startSim, TOKEN } from "../support/pipeline";
import { startReceiver } from "../support/receivers";

let db: CliDatabase;
let sim: GitHubSim;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  db = await createCliDatabase();
  sim = await startSim();
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await sim?.close();
  await db?.close();
});

const widest = (text: string) => Math.max(...text.split("\n").map((l) => l.length));

describe(`drift notify (${dbLabel})`, () => {
  it("set refuses loopback unless allowed, lists, tests, and drift sweep sends before it exits", async () => {
    const args = ["notify", "set", "--url", receiver.url, "--format", "slack", "--events", "drift.detected"];
    const refused = await runDrift(args, db.env);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("--url must be https");
    const weekly = await runDrift([...args, "--digest", "weekly"], db.env);
    expect(weekly.stderr).toContain('--digest: must be "daily" or absent');

    const env = { ...db.env, DRIFT_NOTIFY_ALLOW_LOOPBACK: "1", GITHUB_API_URL: sim.url, GITHUB_TOKEN: TOKEN };
    const created = await runDrift(args, env);
    expect(created.code).toBe(0);
    const id = /Created ([0-9a-f-]{36})/.exec(created.stdout)?.[1] as string;
    expect(id).toBeDefined();
    const list = await runDrift(["notify", "list"], env);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain("events: drift.detected  secret: no");
    expect(widest(list.stdout)).toBeLessThanOrEqual(70);
    expect(widest((await runDrift(["notify", "--help"], env)).stdout)).toBeLessThanOrEqual(70);

    const tested = await runDrift(["notify", "test", id], env);
    expect(tested).toMatchObject({ code: 0, stdout: "Test message delivered (answer 200).\n" });
    expect(receiver.received.at(-1)?.json().text).toMatch(/^Test message/);

    // A moved tag, found by `drift sweep`, is told before the command exits.
    sim.world.createRepo("cli/notify");
    const v1 = sim.world.tag("cli/notify", "v1").commit;
    const track = [
      "track",
      randomUUID(),
      "tool",
      "github://cli/notify",
      "--ref",
      "tag:v1",
      "--installed",
      v1,
    ];
    expect((await runDrift(track, env)).code).toBe(0);
    sim.world.moveTag("cli/notify", "v1", sim.world.commit("cli/notify", "main"));
    const swept = await runDrift(["sweep", "--json"], env);
    expect(swept.code).toBe(0);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]?.json().text).toMatch(/^Tag moved \(suspicious\): cli\/notify tag:v1 /);

    expect((await runDrift(["notify", "rm", id], env)).stdout).toBe(`Removed subscription ${id}\n`);
    expect((await runDrift(["notify", "rm", id], env)).code).toBe(1);
  });
});
