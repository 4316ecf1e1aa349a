import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { SecretJsonError } from "./secret-json";

/** A database password read at run time: what `createSql({ password, onAuthenticated })` takes. */
export interface RuntimePassword {
  /** The current password (Secrets Manager through Powertools' cache; read afresh after a failed login). */
  password(): Promise<string>;
  /** A connection logged in with the password last served. */
  onAuthenticated(): void;
}

/** The `password` of a database secret: RDS's and RDS Proxy's JSON (`{"username", "password", …}`) or plain text. */
export function passwordOf(value: string): string {
  const text = value.trim();
  if (!text.startsWith("{")) return text;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SecretJsonError("database secret is not JSON");
  }
  const password = (json as { password?: unknown }).password;
  if (typeof password !== "string" || !password) throw new SecretJsonError("database secret has no password");
  return password;
}

/**
 * The application's database password from its secret (the one RDS Proxy authenticates with), read when a
 * connection opens: cached `maxAgeSeconds` (default 300), and read afresh when the password last served never
 * logged in (a rotation: PostgreSQL answered 28P01, or the proxy refused it), so the reconnect after a rotation
 * uses the new password without a redeploy.
 *
 * @example
 * const secret = runtimePassword({ secretId: config.databaseSecretArn });
 * const sql = createSql({ url, max: 1, password: secret.password, onAuthenticated: secret.onAuthenticated });
 */
export function runtimePassword(options: { secretId: string; maxAgeSeconds?: number }): RuntimePassword {
  let unconfirmed = false;
  return {
    async password() {
      const forceFetch = unconfirmed;
      unconfirmed = true;
      const value = await getSecret(options.secretId, { maxAge: options.maxAgeSeconds ?? 300, forceFetch });
      if (value === undefined || value === null)
        throw new SecretJsonError("the database secret has no value");
      return passwordOf(typeof value === "string" ? value : new TextDecoder().decode(value as Uint8Array));
    },
    onAuthenticated() {
      unconfirmed = false;
    },
  };
}
