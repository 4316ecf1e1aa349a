import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { credentialsResolver, type GitHubCredentials } from "@drift/aws";
import type { Resolver } from "@drift/core";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { target as targetOf } from "../support/github";

const sm = mockClient(SecretsManagerClient);
afterEach(() => sm.reset());

/** A resolver stand-in that records the credentials it was built with and counts its calls. */
function fakeResolver(credentials: GitHubCredentials, built: string[]): Resolver {
  built.push(credentials.auth && "token" in credentials.auth ? credentials.auth.token : "none");
  let calls = 0;
  return {
    async resolve() {
      calls += 1;
      return new Map();
    },
    stats: () => ({ graphqlRequests: calls, restRequests: 0, pointsUsed: calls, notModified: 0 }),
  };
}

describe("worker resolver follows the credentials secret", () => {
  it("builds once while the secret is unchanged, rebuilds after a rotation, and keeps counters monotonic", async () => {
    let token = "ghp_first";
    sm.on(GetSecretValueCommand).callsFake(() => ({ SecretString: JSON.stringify({ githubToken: token }) }));
    const built: string[] = [];
    // maxAge 0: every call asks Secrets Manager (the mock), as a cache expiry would.
    const resolver = credentialsResolver({
      secretId: "arn:aws:secretsmanager:us-east-1:1:secret:rotation-test",
      maxAgeSeconds: 0,
      create: (c) => fakeResolver(c, built),
    });
    await resolver.resolve([]);
    await resolver.resolve([]);
    expect(built).toEqual(["ghp_first"]);
    expect(resolver.stats().graphqlRequests).toBe(2);

    token = "ghp_rotated";
    await resolver.resolve([]);
    expect(built).toEqual(["ghp_first", "ghp_rotated"]);
    // 2 calls on the old resolver + 1 on the new one: the worker's per-message differences stay right.
    expect(resolver.stats()).toMatchObject({ graphqlRequests: 3, pointsUsed: 3 });
  });

  it("caches the secret between calls within maxAge (one Secrets Manager request)", async () => {
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ githubToken: "ghp_cached" }) });
    const built: string[] = [];
    const resolver = credentialsResolver({
      secretId: "arn:aws:secretsmanager:us-east-1:1:secret:cache-test",
      maxAgeSeconds: 300,
      create: (c) => fakeResolver(c, built),
    });
    for (let i = 0; i < 5; i++) await resolver.resolve([]);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(built).toEqual(["ghp_cached"]);
  });
});

describe("worker resolver before the credentials exist (first deploy)", () => {
  it("defers every target while the secret has no value (no failure, no retry into the DLQ), then resolves", async () => {
    sm.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        $metadata: {},
        message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      }),
    );
    const built: string[] = [];
    const resolver = credentialsResolver({
      secretId: "arn:aws:secretsmanager:us-east-1:1:secret:empty-at-first",
      maxAgeSeconds: 0,
      create: (c) => fakeResolver(c, built),
    });
    const target = targetOf("github://acme/lint", "branch:main");
    const answers = await resolver.resolve([{ target }]);
    expect(answers.get(target.key)).toMatchObject({ status: "failed", kind: "deferred" });
    expect(built).toEqual([]);
    sm.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ githubToken: "ghp_now" }) });
    await resolver.resolve([{ target }]);
    expect(built).toEqual(["ghp_now"]);
    // Any other failure to read the secret (access denied) still fails loudly.
    sm.on(GetSecretValueCommand).rejects(new Error("AccessDeniedException"));
    const denied = credentialsResolver({
      secretId: "arn:aws:secretsmanager:us-east-1:1:secret:denied",
      maxAgeSeconds: 0,
      create: (c) => fakeResolver(c, built),
    });
    await expect(denied.resolve([{ target }])).rejects.toThrow(/cannot read the credentials secret/);
  });
});
