import type { Signature } from "@drift/core";

/**
 * A host's `verification` object (of a commit or an annotated tag object) as a signature verdict. GitHub says
 * `unsigned`, Gitea `gpg.error.not_signed_commit`, for no signature; null when the answer has no verdict.
 */
export function signatureOf(verification: unknown): Signature | null {
  const v = verification as { verified?: unknown; reason?: unknown } | null | undefined;
  if (!v || typeof v.verified !== "boolean") return null;
  if (v.verified) return "valid";
  if (v.reason === "unsigned" || v.reason === "gpg.error.not_signed_commit") return "unsigned";
  return "invalid";
}

/** What an annotated tag object's own REST answer (`git/tags/{sha}`) says of it: tagger date and signature. */
export function tagFactsOf(data: unknown): { taggedAt?: string; tagSignature?: Signature } {
  const d = data as { tagger?: { date?: unknown } | null; verification?: unknown } | null | undefined;
  const date = d?.tagger?.date;
  const signature = signatureOf(d?.verification);
  return {
    ...(typeof date === "string" ? { taggedAt: date } : {}),
    ...(signature ? { tagSignature: signature } : {}),
  };
}
