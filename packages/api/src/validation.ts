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

/** First zod issue as one line (zod never echoes the input value in its messages). */
export const describeIssue = (error: z.core.$ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "input"}: ${issue.message}` : "invalid input";
};
