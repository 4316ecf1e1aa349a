import { createHash, randomBytes, randomUUID, scrypt, timingSafeEqual } from "node:crypto";

/**
 * Minted tokens: `drift_<environment>_<id>_<secret>`. The environment (the stage: `local`, `prod`, …) makes a
 * token of another deployment recognisable (401), the id (the row's UUID, base64url) finds the one row to
 * check, and the secret (24 random bytes, base64url) is stored only as a salted scrypt hash, compared in
 * constant time. About 67 characters for `local`: one line of a 70-column terminal.
 */

const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;
const ENVIRONMENT = /^[a-z0-9][a-z0-9-]{0,31}$/;
// The environment holds no `_`; the id and secret have fixed lengths, so the `_` they may contain is no separator.
const TOKEN = /^drift_([a-z0-9][a-z0-9-]{0,31})_([A-Za-z0-9_-]{22})_([A-Za-z0-9_-]{32})$/;

/** The environment part of a token: lower-case letters, digits and dashes (the stage name, lower-cased). */
export function tokenEnvironment(stage: string | undefined): string {
  const name = (stage || "local")
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+/, "")
    .slice(0, 32);
  return ENVIRONMENT.test(name) ? name : "local";
}

/** A token's parts, or why it is not one of ours. */
export type ParsedToken =
  | { readonly kind: "token"; readonly environment: string; readonly id: string; readonly secret: string }
  | { readonly kind: "not_a_token" };

const uuidOf = (b64: string) => {
  const hex = Buffer.from(b64, "base64url").toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};
const idPart = (uuid: string) => Buffer.from(uuid.replaceAll("-", ""), "hex").toString("base64url");

export function parseToken(text: string): ParsedToken {
  const m = TOKEN.exec(text);
  if (!m?.[1] || !m[2] || !m[3]) return { kind: "not_a_token" };
  const id = uuidOf(m[2]);
  // 22 base64url characters carry 132 bits: the last one's low bits must be zero, or it is not our encoding.
  if (idPart(id) !== m[2]) return { kind: "not_a_token" };
  return { kind: "token", environment: m[1], id, secret: m[3] };
}

function derive(secret: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** `scrypt$N$r$p$salt$hash` (base64url): what the database keeps instead of the secret. */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(secret, salt);
  return ["scrypt", SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString("base64url"), key.toString("base64url")].join(
    "$",
  );
}

/** A hash of a random secret: checked against when the id is unknown, so that case takes the same time. */
let decoy: Promise<string> | undefined;
export const decoyHash = (): Promise<string> => {
  decoy ??= hashSecret(randomBytes(24).toString("base64url"));
  return decoy;
};

// Verified (secret, hash) pairs, by a digest of both: scrypt is paid once per token and container, not per
// request. Revocation and expiry are still read from the database on every request.
const verified = new Set<string>();
const VERIFIED_MAX = 1_000;

/** Whether a secret matches a stored hash (constant-time comparison; false for a hash of another form). */
export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const memo = createHash("sha256").update(secret).update("\n").update(stored).digest("base64url");
  if (verified.has(memo)) return true;
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash) return false;
  if (Number(n) !== SCRYPT.N || Number(r) !== SCRYPT.r || Number(p) !== SCRYPT.p) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await derive(secret, Buffer.from(salt, "base64url"));
  const ok = expected.length === actual.length && timingSafeEqual(expected, actual);
  if (ok) {
    if (verified.size >= VERIFIED_MAX) verified.clear();
    verified.add(memo);
  }
  return ok;
}

/** A new token: its id, the full token (shown once) and the hash to store. */
export async function mintToken(
  environment: string,
): Promise<{ id: string; token: string; secretHash: string }> {
  const id = randomUUID();
  const secret = randomBytes(24).toString("base64url");
  const token = `drift_${environment}_${idPart(id)}_${secret}`;
  return { id, token, secretHash: await hashSecret(secret) };
}
