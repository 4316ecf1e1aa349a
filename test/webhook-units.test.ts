/** Pure parts of the webhook receiver: the coalescing plan, affected refs, signatures, secrets, delayed SQS sends. */
import { verifySignature } from "@drift/api/webhooks";
import { CredentialsSecretError, packBatches, parseWebhookSecrets } from "@drift/aws";
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
    expect(() => parseWebhookSecrets("not json")).toThrow(CredentialsSecretError);
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
