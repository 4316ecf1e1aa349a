import { en } from "zod/locales";
import * as z from "zod/mini";

// Request validation with zod/mini (functional, tree-shakable: a few KiB in the Lambda bundle instead of the whole
// classic API with every locale).

/**
 * zod/mini carries no messages of its own ("Invalid input" for everything): the English ones, as the classic API
 * loads on import, unless the application configured a locale itself.
 */
export function useEnglishIssueMessages(): void {
  if (!z.config().localeError) z.config(en());
}

/** A key shown as it is: short, and nothing a page, terminal or log could read as markup or control. */
const PLAIN_KEY = /^[A-Za-z0-9_.-]{1,40}$/;

/**
 * Names unknown keys without echoing hostile ones: plain keys quoted, the others only counted and measured.
 *
 * @example
 * describeUnknownKeys(["statuss", "<script>"], "query parameter");
 * // 'unknown query parameters: "statuss" and 1 not shown (8 characters)'
 */
export function describeUnknownKeys(keys: readonly string[], noun = "key"): string {
  const shown = keys.filter((k) => PLAIN_KEY.test(k)).slice(0, 5);
  const hidden = keys.filter((k) => !shown.includes(k));
  const chars = hidden.reduce((n, k) => n + Array.from(k).length, 0);
  const parts = shown.map((k) => JSON.stringify(k));
  if (hidden.length) parts.push(`${hidden.length} not shown (${chars} characters)`);
  return `unknown ${noun}${keys.length === 1 ? "" : "s"}: ${parts.join(" and ")}`;
}

/**
 * First zod issue as one line. zod never echoes the input value, but its unknown-key message quotes the keys
 * (`Unrecognized key: "<script>"`), and keys are the caller's: those go through {@link describeUnknownKeys}.
 */
export const describeIssue = (error: z.core.$ZodError, noun = "key") => {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const path = issue.path.map((p) => (typeof p === "string" && !PLAIN_KEY.test(p) ? "?" : String(p)));
  if (issue.code === "unrecognized_keys") {
    const where = path.length ? `${path.join(".")}: ` : "";
    return where + describeUnknownKeys(issue.keys, noun);
  }
  return `${path.join(".") || "input"}: ${issue.message}`;
};
