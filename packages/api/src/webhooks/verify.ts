import { verify } from "@octokit/webhooks-methods";

/**
 * Checks a webhook signature on the raw body, in constant time (`@octokit/webhooks-methods`: HMAC-SHA256 and
 * `timingSafeEqual`). GitHub sends `sha256=<hex>`; Gitea and Forgejo send the bare hex of the same HMAC.
 * A missing or malformed header is simply not valid.
 */
export async function verifySignature(
  flavour: "github" | "gitea",
  secret: string,
  rawBody: string,
  header: string | undefined,
): Promise<boolean> {
  if (!header || rawBody.length === 0) return false;
  const signature = flavour === "github" ? header.trim() : `sha256=${header.trim().toLowerCase()}`;
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) return false;
  return verify(secret, rawBody, signature);
}
