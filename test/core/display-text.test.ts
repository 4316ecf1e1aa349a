import { displayText, hasHiddenCharacters, showHidden } from "@drift/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const BIDI_AND_INVISIBLE = [
  "\u202E",
  "\u202D",
  "\u202A",
  "\u202B",
  "\u202C",
  "\u2066",
  "\u2067",
  "\u2068",
  "\u2069",
  "\u200E",
  "\u200F",
  "\u061C",
  "\u200B",
  "\u200C",
  "\u200D",
  "\u2060",
  "\uFEFF",
  "\u00AD",
  "\u2028",
  "\u2029",
  "\u0000",
  "\u001B",
  "\u007F",
  "\u0085",
  "\u{E0041}",
  "\u034F",
  "\uFE0F",
];

describe("text shown to a person", () => {
  it("shows the issue's spoofing name with every control visible, in logical order", () => {
    const name = "lint\u202Egnp.exe\u200F\u2066rtl #5";
    expect(showHidden(name)).toBe("lint\\u202Egnp.exe\\u200F\\u2066rtl #5");
    expect(displayText(name)).toMatchObject({ suspicious: true, truncated: false, length: 20 });
    expect(displayText("lint-plugin")).toMatchObject({ text: "lint-plugin", suspicious: false });
  });

  it.each(BIDI_AND_INVISIBLE.map((c) => [c.codePointAt(0)?.toString(16) ?? ""]))("U+%s is escaped", (hex) => {
    const ch = String.fromCodePoint(Number.parseInt(hex, 16));
    expect(hasHiddenCharacters(`a${ch}b`)).toBe(true);
    expect(showHidden(`a${ch}b`)).not.toContain(ch);
  });

  it("the display never holds a hidden character, and says when the raw value did (property)", () => {
    const alphabet = fc.constantFrom(...BIDI_AND_INVISIBLE, "a", "é", "日", "😀", "\\", "u", "2");
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 200 }).map((a) => a.join("")),
        fc.integer({ min: 2, max: 60 }),
        (raw, max) => {
          const d = displayText(raw, max);
          expect(hasHiddenCharacters(d.text)).toBe(false);
          expect(hasHiddenCharacters(d.full)).toBe(false);
          expect(d.suspicious).toBe(hasHiddenCharacters(raw));
          expect(Array.from(d.text).length).toBeLessThanOrEqual(max);
          if (!d.truncated) expect(d.text).toBe(d.full);
        },
      ),
    );
  });

  it("an 18,000-character value is shortened with its length kept; the whole value stays available", () => {
    const d = displayText("x".repeat(18_000), 60);
    expect(d.truncated).toBe(true);
    expect(Array.from(d.text)).toHaveLength(60);
    expect(d.full).toHaveLength(18_000);
    expect(d.length).toBe(18_000);
    // A cut inside an escape never leaves half an escape.
    expect(displayText(`${"a".repeat(8)}\u202E`, 12).text).toBe("aaaaaaaa…");
  });
});

describe("multi-line text (release notes)", () => {
  it("keeps line breaks as lines, escapes and flags a bidi character still", () => {
    const notes = "## v2.0.0\r\n- faster\n\t- safer\n";
    expect(displayText(notes, 200, { multiline: true })).toMatchObject({
      text: "## v2.0.0\n- faster\n\t- safer\n",
      suspicious: false,
    });
    const spoofed = displayText("line one\nline \u202Etwo", 200, { multiline: true });
    expect(spoofed).toMatchObject({ text: "line one\nline \\u202Etwo", suspicious: true });
    // On one line (a name), a newline is still shown as an escape: it could fake a second line.
    expect(displayText("a\nb")).toMatchObject({ text: "a\\u000Ab", suspicious: true });
  });
});
