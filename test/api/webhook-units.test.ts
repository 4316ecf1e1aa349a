/** Pure parts of the webhook receiver: the coalescing plan, affected refs, signatures, secrets, delayed SQS sends. */
import { verifySignature } from "@drift/api/webhooks";
import { packBatches, parseWebhookSecrets, SecretJsonError } from "@drift/aws";
import { affectedRefs, planRecheck, type SweepMessage } from "@drift/core";
import { signedDelivery } from "@drift/github-sim";
import { describe, expect, it } from "vitest";

const t0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(t0.getTime() + ms);

describe("planRecheck (leading + trailing per repository)", () => {
  it("re-checks at once in a quiet period", () => {
    const plan = planRecheck({ runAt: null, targetKeys: [] }, t0, ["a"], 5000);
    expect(plan).toEqual({ send: ["a"], runAt: t0, guard: { runAt: t0, targetKeys: ["a"] } });
  });

  it("after a re-check that already ran, the next one waits for the end of the window", () => {
    const plan = planRecheck({ runAt: t0, targetKeys: ["a"] }, at(1000), ["a"], 5000);
    expect(plan.send).toEqual(["a"]);
    expect(plan.runAt).toEqual(at(5000));
  });

  it("a delivery covered by a re-check not yet run queues nothing; new targets join it at the same instant", () => {
    const guard = { runAt: at(5000), targetKeys: ["a"] };
    expect(planRecheck(guard, at(2000), ["a"], 5000).send).toEqual([]);
    const plan = planRecheck(guard, at(2000), ["a", "b"], 5000);
    expect(plan).toEqual({
      send: ["b"],
      runAt: at(5000),
      guard: { runAt: at(5000), targetKeys: ["a", "b"] },
    });
  });

  it("a flood costs one re-check start per window", () => {
    let guard: { runAt: Date | null; targetKeys: readonly string[] } = { runAt: null, targetKeys: [] };
    const starts = new Set<number>();
    for (let ms = 0; ms < 60_000; ms += 10) {
      const plan = planRecheck(guard, at(ms), ["a"], 5000);
      if (plan.send.length > 0) starts.add(plan.runAt.getTime());
      guard = plan.guard;
    }
    expect(starts.size).toBeLessThanOrEqual(13);
  });
});

describe("affectedRefs", () => {
  const repository = { provider: "github" as const, host: "github", owner: "a", repo: "b" };
  it("maps a branch to branch:/ref: and a tag to tag:/ref: plus the tag lists", () => {
    expect(affectedRefs({ repository, refType: "branch", name: "main" })).toEqual({
      repository,
      exact: ["branch:main", "ref:main"],
      tagLists: false,
    });
    expect(affectedRefs({ repository, refType: "tag", name: "v1.2.0" })).toEqual({
      repository,
      exact: ["tag:v1.2.0", "ref:v1.2.0"],
      tagLists: true,
    });
  });
  it("affects nothing for a name no ref can have", () => {
    expect(affectedRefs({ repository, refType: "tag", name: "../x" })).toEqual({
      repository,
      exact: [],
      tagLists: false,
    });
  });
});

describe("verifySignature", () => {
  const body = JSON.stringify({ zen: "ok" });
  it("accepts GitHub's sha256= header and Gitea's bare hex (any case), refuses everything else", async () => {
    const gh = signedDelivery("github", "s3cret", "ping", { zen: "ok" }).headers["x-hub-signature-256"];
    const gt = signedDelivery("gitea", "s3cret", "ping", { zen: "ok" }).headers[
      "x-gitea-signature"
    ] as string;
    expect(await verifySignature("github", "s3cret", body, gh)).toBe(true);
    expect(await verifySignature("gitea", "s3cret", body, gt)).toBe(true);
    expect(await verifySignature("gitea", "s3cret", body, gt.toUpperCase())).toBe(true);
    expect(await verifySignature("github", "s3cret", body, gt)).toBe(false);
    expect(await verifySignature("gitea", "s3cret", body, gh)).toBe(false);
    expect(await verifySignature("github", "other", body, gh)).toBe(false);
    expect(await verifySignature("github", "s3cret", `${body} `, gh)).toBe(false);
    expect(await verifySignature("github", "s3cret", body, undefined)).toBe(false);
    expect(await verifySignature("github", "s3cret", "", gh)).toBe(false);
  });
});

describe("webhook secrets and delayed sends", () => {
  it("parses the secret's JSON, naming bad keys but never values", () => {
    expect(parseWebhookSecrets('{"githubWebhookSecret":"a","giteaWebhookSecret":""}')).toEqual({
      github: "a",
    });
    expect(() => parseWebhookSecrets('{"githubWebhookSecret": 42}')).toThrow(/githubWebhookSecret/);
    expect(() => parseWebhookSecrets("not json")).toThrow(SecretJsonError);
  });

  it("puts DelaySeconds on every SQS entry of a delayed send, and none otherwise", () => {
    const message: SweepMessage = {
      v: 1,
      sweepId: "00000000-0000-4000-8000-000000000000",
      seq: 0,
      targets: [{ p: "github", h: "github", o: "a", r: "b", t: "branch:main" }],
    };
    expect(packBatches([message], 4)[0]?.[0]?.DelaySeconds).toBe(4);
    expect(packBatches([message])[0]?.[0]).not.toHaveProperty("DelaySeconds");
  });
});

describe("github-sim webhooks", () => {
  it("sends signed deliveries with real payload shapes to the configured URL when its world changes", async () => {
    const { createServer } = await import("node:http");
    const { startGitHubSim } = await import("@drift/github-sim");
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk) => {
        body += chunk;
      });
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.writeHead(202, { "content-type": "application/json" }).end('{"targets":0}');
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const sim = await startGitHubSim({
      webhooks: [{ url: `http://127.0.0.1:${port}/hook`, secret: "s", flavour: "gitea" }],
    });
    try {
      sim.world.createRepo("acme/tool");
      const after = sim.world.commit("acme/tool", "main");
      sim.world.tag("acme/tool", "v1.0.0");
      sim.world.release("acme/tool", "v1.0.0");
      sim.world.deleteTag("acme/tool", "v1.0.0");
      await sim.webhooks[0]?.idle();
      expect(received.map((r) => r.headers["x-gitea-event"])).toEqual([
        "push",
        "create",
        "push",
        "release",
        "delete",
        "push",
      ]);
      for (const r of received) {
        expect(await verifySignature("gitea", "s", r.body, String(r.headers["x-gitea-signature"]))).toBe(
          true,
        );
      }
      const push = JSON.parse(received[0]?.body ?? "{}");
      expect(push).toMatchObject({
        ref: "refs/heads/main",
        after,
        compare_url: expect.any(String),
        repository: { full_name: "acme/tool", html_url: `${sim.url}/acme/tool` },
      });
      expect(JSON.parse(received[1]?.body ?? "{}")).toMatchObject({ ref: "v1.0.0", ref_type: "tag" });
      expect(JSON.parse(received[3]?.body ?? "{}")).toMatchObject({ release: { tag_name: "v1.0.0" } });
    } finally {
      await sim.close();
      await new Promise((r) => server.close(r));
    }
  });
});
