import { getSecret } from "@aws-lambda-powertools/parameters/secrets";

/** A database login as RDS and RDS Proxy keep it in Secrets Manager. */
export interface SecretLogin {
  readonly username: string;
  readonly password: string;
}

/**
 * The login (`{"username", "password", …}`) in a database secret, read now and not from a cache: the migrate step
 * gives the application role the password the proxy authenticates it with, whatever value was deployed. A leaf
 * module (the migrate bundle carries no resolver code): its errors never include the secret's text.
 *
 * @example
 * const { username, password } = await secretLogin(process.env.DRIFT_DB_SECRET_ARN);
 */
export async function secretLogin(secretId: string): Promise<SecretLogin> {
  const value = await getSecret(secretId, { forceFetch: true });
  if (value === undefined || value === null) throw new Error("the database secret has no value");
  const text = typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array);
  let json: { username?: unknown; password?: unknown } | undefined;
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    throw new Error("the database secret is not JSON");
  }
  const { username, password } = json ?? {};
  if (typeof username !== "string" || !username || typeof password !== "string" || !password)
    throw new Error("the database secret has no username or no password");
  return { username, password };
}
