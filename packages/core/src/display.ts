/**
 * Text shown to a person (admin page, CLI): bidirectional controls and invisible characters are shown as
 * `\uXXXX` escapes so they can neither reorder the line nor hide anything, and long values are shortened with
 * their length said. One helper for every display; the API keeps the raw values.
 */

/**
 * Bidi controls (U+061C, U+200E/F, U+202A–E, U+2066–9), zero-width and invisible formatting characters, C0/C1
 * controls, line and paragraph separators, BOM, soft hyphen, Hangul fillers, variation selectors, interlinear
 * annotation marks, and the TAG block (U+E0000–E007F, invisible "ASCII smuggling").
 */
const HIDDEN = new RegExp(
  [
    "[\\u0000-\\u001F\\u007F-\\u009F\\u00AD\\u034F\\u061C\\u115F\\u1160\\u17B4\\u17B5\\u180B-\\u180F",
    "\\u200B-\\u200F\\u2028-\\u202E\\u2060-\\u206F\\u3164\\uFE00-\\uFE0F\\uFEFF\\uFFA0\\uFFF9-\\uFFFB",
    "\\u{1D173}-\\u{1D17A}\\u{E0000}-\\u{E007F}\\u{E0100}-\\u{E01EF}]",
  ].join(""),
  "gu",
);

/** True when the text holds a character that could reorder or hide part of a displayed line. */
export function hasHiddenCharacters(text: string): boolean {
  HIDDEN.lastIndex = 0;
  const found = HIDDEN.test(text);
  HIDDEN.lastIndex = 0;
  return found;
}

const escaped = (ch: string): string => {
  const code = ch.codePointAt(0) ?? 0;
  return code > 0xffff
    ? `\\u{${code.toString(16).toUpperCase()}}`
    : `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
};

/** The text with every hidden character replaced by its visible `\uXXXX` escape. */
export function showHidden(text: string): string {
  return text.replace(HIDDEN, escaped);
}

/** A value made safe to show: visible escapes, shortened to `max` characters, and what was done to it. */
export interface DisplayText {
  /** What to show (escaped, at most `max` characters plus an ellipsis). */
  readonly text: string;
  /** The whole value, escaped (for "show all" on demand). */
  readonly full: string;
  readonly truncated: boolean;
  /** The raw value holds hidden characters: flag the row as suspicious. */
  readonly suspicious: boolean;
  /** Length of the raw value in characters (code points). */
  readonly length: number;
}

/** Escapes and shortens a value for display (code points, never splitting a surrogate pair or an escape). */
export function displayText(value: string | null | undefined, max = 80): DisplayText {
  const raw = value ?? "";
  const full = showHidden(raw);
  const chars = Array.from(full);
  const length = Array.from(raw).length;
  const truncated = chars.length > max;
  let text = full;
  if (truncated) {
    let cut = chars.slice(0, Math.max(1, max - 1)).join("");
    // An escape cut in half would read as something else: drop the partial escape.
    cut = cut.replace(/\\u(\{[0-9A-F]*|[0-9A-F]{0,3})$/, "");
    text = `${cut}…`;
  }
  return { text, full, truncated, suspicious: full !== raw, length };
}

/**
 * What the page and the CLI show for a pending row's `ready_at`: "cooling down until …" while it is in the
 * future, else null (ready).
 */
export function coolingDownLabel(readyAt: Date | string | null, now: Date = new Date()): string | null {
  if (readyAt === null) return null;
  const at = new Date(readyAt);
  if (!Number.isFinite(at.getTime()) || at.getTime() <= now.getTime()) return null;
  return `cooling down until ${at.toISOString().replace(/\.\d{3}Z$/, "Z")}`;
}

/** A span of time as people read it: "3 days", "5 hours", "12 minutes" (whole units, never negative). */
export function elapsedText(ms: number): string {
  const span = Math.max(0, ms);
  const [n, unit] =
    span >= 86_400_000
      ? [Math.floor(span / 86_400_000), "day"]
      : span >= 3_600_000
        ? [Math.floor(span / 3_600_000), "hour"]
        : [Math.floor(span / 60_000), "minute"];
  return `${n} ${unit}${n === 1 ? "" : "s"}`;
}
