/**
 * Scoped access (issue 26): tokens an operator mints, for an operator or one workspace. Only a slow hash of the
 * secret is stored (scrypt with its own salt, `scrypt$N$r$p$salt$hash`); the secret itself never reaches the
 * database. Revoked and expired tokens stay listed (who had access, until when) and are refused.
 */
export default /* sql */ `
CREATE TABLE IF NOT EXISTS drift_access_tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  role text NOT NULL CHECK (role IN ('operator', 'workspace')),
  workspace_id uuid,
  secret_hash text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by text,
  expires_at timestamptz,
  revoked_at timestamptz,
  last_used_at timestamptz,
  CHECK ((role = 'workspace') = (workspace_id IS NOT NULL))
);
`;
