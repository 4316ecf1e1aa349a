import type { SignedBody } from "./verify";

/** GitHub caps webhook payloads at 25 MB and does not deliver larger ones: everything GitHub sends fits. */
export const GITHUB_MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;

/** The body as read: too large, or its text (null when the bytes are not UTF-8). */
export type ReadBody =
  | { readonly tooLarge: true }
  | { readonly tooLarge: false; readonly text: string | null };

/**
 * Reads a request body once, chunk by chunk: every byte goes into the signature's HMAC as received and into a
 * streaming UTF-8 decoder, so only the text is kept (not the bytes as well). Stops at `maxBytes` (too large).
 * A BOM is kept in the text (JSON.parse refuses it, as it should: GitHub never sends one).
 */
export async function readSigned(
  body: ReadableStream<Uint8Array> | null,
  signed: SignedBody,
  maxBytes: number,
): Promise<ReadBody> {
  if (!body) return { tooLarge: false, text: "" };
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  let text: string | null = "";
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      signed.update(value);
      if (signed.bytes > maxBytes) {
        await reader.cancel().catch(() => {});
        return { tooLarge: true };
      }
      text = decodeMore(decoder, text, value);
    }
  } finally {
    reader.releaseLock();
  }
  return { tooLarge: false, text: decodeMore(decoder, text, undefined) };
}

/** Appends a chunk's text; null from the first byte sequence that is not UTF-8 on (hashing goes on). */
function decodeMore(
  decoder: InstanceType<typeof TextDecoder>,
  text: string | null,
  chunk: Uint8Array | undefined,
): string | null {
  if (text === null) return null;
  try {
    return text + (chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode());
  } catch {
    return null;
  }
}
