import { describeUnknownKeys, isPlainKey } from "@drift/core";
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

export { describeUnknownKeys };

/**
 * First zod issue as one line. zod never echoes the input value, but its unknown-key message quotes the keys
 * (`Unrecognized key: "<script>"`), and keys are the caller's: those go through {@link describeUnknownKeys}.
 */
export const describeIssue = (error: z.core.$ZodError, noun = "key") => {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const path = issue.path.map((p) => (typeof p === "string" && !isPlainKey(p) ? "?" : String(p)));
  if (issue.code === "unrecognized_keys") {
    const where = path.length ? `${path.join(".")}: ` : "";
    return where + describeUnknownKeys(issue.keys, noun);
  }
  return `${path.join(".") || "input"}: ${issue.message}`;
};
