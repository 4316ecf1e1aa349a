import { failure } from "../shared/errors";
import type { Redactor } from "../shared/redact";
import type { GraphqlError } from "./graphql-plan";
import type { BuiltQuery } from "./graphql-query";
import { fail, type WorkItem } from "./graphql-work";

const HEAVY_TEXT =
  /Something went wrong while executing your query|couldn't respond to your request in time|timeout/i;
const RESOURCE_TYPES = new Set(["RESOURCE_LIMITS_EXCEEDED", "MAX_NODE_LIMIT_EXCEEDED"]);

export const isResourceLimit = (e: GraphqlError) => RESOURCE_TYPES.has(e.type ?? "");

/** Why an answer carried no data at all, and what GitHub said (redacted, shortened). */
export type NoDataCause =
  /** A resource limit on the whole query: shrink the batch, as for a partial one. */
  | { readonly cause: "resource_limits" }
  /** GitHub's timeout answer: the query may be too heavy; split it. */
  | { readonly cause: "heavy"; readonly said: string }
  /** The query was rejected: bisect to isolate the cause. */
  | { readonly cause: "rejected"; readonly said: string };

/** Classifies the errors of an answer without `data`. */
export function whyNoData(errors: readonly GraphqlError[], redact: Redactor): NoDataCause {
  const said = redact.text(errors.map((e) => e.message ?? e.type ?? "").join("; ")).slice(0, 300);
  if (errors.some(isResourceLimit)) return { cause: "resource_limits" };
  if (HEAVY_TEXT.test(said)) return { cause: "heavy", said };
  return { cause: "rejected", said };
}

/** What reading an answer's repositories left for the batcher to do. */
export interface ReadOutcome {
  /** The answer reported a resource limit somewhere (the batch was too big). */
  readonly resourceLimited: boolean;
  /** Repositories to ask again, whole, in smaller queries. */
  readonly retry: WorkItem[];
}

/**
 * Reads each repository alias of an answer with data into its plan, or fails it (not found, forbidden, no
 * data); resource-limited repositories are returned for a retry instead.
 */
export function readRepositories(
  items: readonly WorkItem[],
  built: BuiltQuery,
  data: Record<string, unknown>,
  errors: readonly GraphqlError[],
  redact: Redactor,
): ReadOutcome {
  const resourceLimited = errors.some(isResourceLimit);
  const retry: WorkItem[] = [];
  built.repos.forEach((repo, i) => {
    const item = items[i] as WorkItem;
    const node = data[repo.alias] as Record<string, unknown> | null | undefined;
    const own = errors.filter((e) => Array.isArray(e.path) && e.path[0] === repo.alias);
    const ownText = redact.text(own.map((e) => e.message ?? e.type).join("; ")).slice(0, 200);
    if (node == null) {
      const types = new Set(own.map((e) => e.type));
      if (types.has("NOT_FOUND")) fail(item, failure("not_found", `repository ${item.plan.label} not found`));
      else if (types.has("FORBIDDEN"))
        fail(item, failure("forbidden", `access to ${item.plan.label} denied: ${ownText}`));
      else if (resourceLimited) retry.push(item);
      else
        fail(
          item,
          failure(
            "transient",
            `GitHub returned no data for ${item.plan.label}${ownText ? `: ${ownText}` : ""}`,
          ),
        );
      return;
    }
    // A resource limit on a field (a ref, the tag page): the repository is asked again, whole, in a smaller query.
    if (own.some(isResourceLimit)) {
      retry.push(item);
      return;
    }
    item.plan.accept(repo, node, own, redact);
  });
  return { resourceLimited, retry };
}
