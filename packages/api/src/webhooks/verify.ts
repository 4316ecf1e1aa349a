import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The HMAC-SHA256 a signature header names, or null when the header is missing or malformed. GitHub sends
 * `sha256=<hex>`, Gitea and Forgejo the bare hex; hex of either case is the same digest on both routes.
 */
export function signatureDigest(flavour: "github" | "gitea", header: string | undefined): Buffer | null {
  if (!header) return null;
  const text = header.trim().toLowerCase();
  const hex = flavour === "github" ? (text.startsWith("sha256=") ? text.slice(7) : "") : text;
  return /^[0-9a-f]{64}$/.test(hex) ? Buffer.from(hex, "hex") : null;
}

/**
 * HMAC-SHA256 over the exact bytes received, fed chunk by chunk (a 25 MB push is hashed as it streams in, never
 * held as bytes and text at once), compared in constant time.
 */
export class SignedBody {
  readonly #hmac;
  #bytes = 0;
  constructor(secret: string) {
    this.#hmac = createHmac("sha256", secret);
  }
  update(chunk: Uint8Array): void {
    this.#bytes += chunk.byteLength;
    this.#hmac.update(chunk);
  }
  get bytes(): number {
    return this.#bytes;
  }
  /** Whether the bytes fed so far carry `expected` (an empty body is never signed). */
  matches(expected: Buffer | null): boolean {
    const actual = this.#hmac.digest();
    return expected !== null && this.#bytes > 0 && timingSafeEqual(actual, expected);
  }
}

/**
 * Checks a webhook signature on the raw body (a string is taken as its UTF-8 bytes, which is what the sender
 * signed), in constant time. A missing or malformed header is simply not valid.
 */
export async function verifySignature(
  flavour: "github" | "gitea",
  secret: string,
  rawBody: string | Uint8Array,
  header: string | undefined,
): Promise<boolean> {
  const body = new SignedBody(secret);
  body.update(typeof rawBody === "string" ? Buffer.from(rawBody, "utf8") : rawBody);
  return body.matches(signatureDigest(flavour, header));
}
