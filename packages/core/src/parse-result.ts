/** The outcome of parsing one field of a row: usable, deliberately skipped, or invalid. Never thrown. */
export type Parsed<T> =
  | { readonly status: "ok"; readonly value: T }
  | { readonly status: "skipped"; readonly reason: string }
  | { readonly status: "invalid"; readonly reason: string };

export const ok = <T>(value: T): Parsed<T> => ({ status: "ok", value });
export const skipped = <T = never>(reason: string): Parsed<T> => ({ status: "skipped", reason });
export const invalid = <T = never>(reason: string): Parsed<T> => ({ status: "invalid", reason });

/** Shortens untrusted text for messages so that a huge value never floods a log line. */
export function preview(text: string, max = 80): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max).join("")}…(${chars.length} chars)`;
}

/** True when `text` holds an ASCII control character (U+0000–U+001F or DEL), which no name or URL we accept has. */
export function hasControlCharacter(text: string): boolean {
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
