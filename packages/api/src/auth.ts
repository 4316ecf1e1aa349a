import { createHash, timingSafeEqual } from "node:crypto";

/**
 * How the operator is recognised (access/authenticate.ts decides every caller, minted tokens included). `bearer`: `Authorization: Bearer TOKEN`, where the token is a string or a
 * loader (Secrets Manager in AWS, with its own cache). `iam`: the Lambda Function URL checked SigV4 already.
 */
export type AdminAuth =
  | { readonly mode: "bearer"; readonly token: string | (() => Promise<string>) }
  | { readonly mode: "iam" };

const digest = (value: string) => createHash("sha256").update(value, "utf8").digest();

/** Constant-time comparison: hashing first makes both sides the same length, whatever the input. */
export function tokensMatch(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}
