import type { Sql } from "../client";

/**
 * Access tokens (CONTRACT "scoped access"): minted by an operator, listed without secrets, revoked at once. The
 * secret is hashed by the caller (@drift/api access/token-secret.ts); this store only ever sees the hash.
 */

export type TokenRole = "operator" | "workspace";

/** A token as listed: never its secret or hash. */
export interface AccessToken {
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
  readonly workspace_id: string | null;
  readonly created_at: Date;
  readonly created_by: string | null;
  readonly expires_at: Date | null;
  readonly revoked_at: Date | null;
  readonly last_used_at: Date | null;
  /** Neither revoked nor expired now. */
  readonly active: boolean;
}

/** What authentication needs of a token: its hash and whether it may be used now. */
export interface TokenCredential {
  readonly id: string;
  readonly role: TokenRole;
  readonly workspace_id: string | null;
  readonly secret_hash: string;
  readonly active: boolean;
}

export interface NewToken {
  readonly id: string;
  readonly name: string;
  readonly role: TokenRole;
  readonly workspaceId: string | null;
  readonly secretHash: string;
  readonly expiresAt: Date | null;
  readonly createdBy: string;
}

const LISTED = (sql: Sql) => sql`
  id, name, role, workspace_id, created_at, created_by, expires_at, revoked_at, last_used_at,
  (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS active`;

/** Stores a minted token (its hash only) and returns it as listed. */
export async function insertToken(sql: Sql, token: NewToken): Promise<AccessToken> {
  const [row] = await sql<AccessToken[]>`
    INSERT INTO drift_access_tokens (id, name, role, workspace_id, secret_hash, expires_at, created_by)
    VALUES (${token.id}::uuid, ${token.name}, ${token.role}, ${token.workspaceId}::uuid, ${token.secretHash},
            ${token.expiresAt}, ${token.createdBy})
    RETURNING ${LISTED(sql)}`;
  if (!row) throw new Error("token insert returned nothing");
  return row;
}

/** Every token, newest first, without secrets. */
export async function listTokens(sql: Sql): Promise<AccessToken[]> {
  return sql<AccessToken[]>`SELECT ${LISTED(sql)} FROM drift_access_tokens ORDER BY created_at DESC, id`;
}

/** Revokes a token (from the next request on); false when there is no such token. Revoking twice keeps the first time. */
export async function revokeToken(sql: Sql, id: string): Promise<AccessToken | null> {
  const [row] = await sql<AccessToken[]>`
    UPDATE drift_access_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = ${id}::uuid
    RETURNING ${LISTED(sql)}`;
  return row ?? null;
}

/** The credential of a token id (the caller validated it as a UUID), or null. */
export async function findTokenCredential(sql: Sql, id: string): Promise<TokenCredential | null> {
  const [row] = await sql<TokenCredential[]>`
    SELECT id, role, workspace_id, secret_hash,
           (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS active
    FROM drift_access_tokens WHERE id = ${id}::uuid`;
  return row ?? null;
}

/** Records a use, at most once a minute per token (a write per request would be the busiest row of the table). */
export async function touchToken(sql: Sql, id: string): Promise<void> {
  await sql`UPDATE drift_access_tokens SET last_used_at = now()
    WHERE id = ${id}::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`;
}
