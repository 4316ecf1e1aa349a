import { loadSecretJson } from "./secret-json";

/**
 * The admin API's bearer token: key `adminToken` of the admin token secret (JSON, docs/deploy.md), read through
 * Powertools' cache (`maxAgeSeconds`), so a rotation is picked up without a deploy.
 *
 * @example
 * const auth = { mode: "bearer", token: () => loadAdminToken(config.adminTokenSecretArn) };
 */
export async function loadAdminToken(secretArn: string, maxAgeSeconds = 300): Promise<string> {
  const { adminToken } = await loadSecretJson({ secretId: secretArn, maxAgeSeconds });
  if (!adminToken) throw new Error("the credentials secret has no adminToken");
  return adminToken;
}
