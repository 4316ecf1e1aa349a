import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { loadSecretJson, parseSecretJson, SecretJsonError, secretJsonFromEnv } from "@drift/aws";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

const sm = mockClient(SecretsManagerClient);
beforeAll(() => {
  process.env.AWS_REGION ??= "us-east-1";
});
beforeEach(() => sm.reset());

const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n";

describe("credentials secret", () => {
  it("reads a token, or an App (which wins), and the other tokens", () => {
    expect(parseSecretJson('{"githubToken":"ghp_x1","giteaToken":"gt","adminToken":"adm"}')).toEqual({
      auth: { token: "ghp_x1" },
      giteaToken: "gt",
      adminToken: "adm",
    });
    const app = parseSecretJson(
      JSON.stringify({
        githubToken: "ghp_x1",
        githubApp: { appId: 12, privateKey: PEM, installationId: "34" },
      }),
    );
    expect(app).toEqual({ auth: { appId: "12", privateKey: PEM.trim(), installationId: "34" } });
    expect(parseSecretJson('{"unrelated":1}')).toEqual({});
  });

  it("rejects a malformed secret naming the keys, never the values", () => {
    expect(() => parseSecretJson("ghp_notjson_SECRET")).toThrow(SecretJsonError);
    try {
      parseSecretJson('{"githubToken": 42, "githubApp": {"appId": "1", "privateKey": "SECRET-KEY"}}');
      expect.unreachable();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("githubToken");
      expect(message).toContain("githubApp.installationId");
      expect(message).not.toContain("SECRET");
      expect(message).not.toContain("42");
    }
  });

  it("falls back to the environment locally", () => {
    expect(secretJsonFromEnv({ GITHUB_TOKEN: "ghp_env", GITEA_TOKEN: "gt", ADMIN_TOKEN: "" })).toEqual({
      auth: { token: "ghp_env" },
      giteaToken: "gt",
    });
    expect(
      secretJsonFromEnv({
        GITHUB_APP_ID: "1",
        GITHUB_APP_PRIVATE_KEY: "-----BEGIN KEY-----\\nabc",
        GITHUB_APP_INSTALLATION_ID: "2",
      }).auth,
    ).toEqual({ appId: "1", privateKey: "-----BEGIN KEY-----\nabc", installationId: "2" });
    expect(() => secretJsonFromEnv({ GITHUB_APP_ID: "1" })).toThrow(/go together/);
    expect(secretJsonFromEnv({})).toEqual({});
  });
});

describe("loadSecretJson (Powertools getSecret)", () => {
  it("calls Secrets Manager once across warm invocations (cached for maxAge)", async () => {
    sm.on(GetSecretValueCommand).resolves({
      SecretString: '{"githubToken":"ghp_from_sm","adminToken":"adm"}',
    });
    const a = await loadSecretJson({
      secretId: "arn:aws:secretsmanager:us-east-1:1:secret:cached",
      maxAgeSeconds: 300,
    });
    const b = await loadSecretJson({
      secretId: "arn:aws:secretsmanager:us-east-1:1:secret:cached",
      maxAgeSeconds: 300,
    });
    expect(a).toEqual({ auth: { token: "ghp_from_sm" }, adminToken: "adm" });
    expect(b).toEqual(a);
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    expect(sm.commandCalls(GetSecretValueCommand)[0]?.args[0].input.SecretId).toBe(
      "arn:aws:secretsmanager:us-east-1:1:secret:cached",
    );
  });

  it("reports an unreadable or malformed secret without its content, and uses the environment without a secret id", async () => {
    sm.on(GetSecretValueCommand, { SecretId: "denied" }).rejects(
      Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }),
    );
    await expect(loadSecretJson({ secretId: "denied" })).rejects.toThrow(/AccessDeniedException/);
    sm.on(GetSecretValueCommand, { SecretId: "garbled" }).resolves({ SecretString: "ghp_SECRET_not_json" });
    await expect(loadSecretJson({ secretId: "garbled" })).rejects.toThrow(/^credentials secret is not JSON$/);
    expect(await loadSecretJson({ secretId: "", env: { GITHUB_TOKEN: "ghp_local" } })).toEqual({
      auth: { token: "ghp_local" },
    });
  });
});
