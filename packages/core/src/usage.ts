/** What resolution costs, per API (a leaf module: the resolver port and the review types both use it). */

/** The rate-limit buckets a resolver reports: GitHub's GraphQL points and its REST ("core") requests. */
export type RateApi = "graphql" | "rest";

/** The APIs requests are counted by: GitHub GraphQL, GitHub REST, and Gitea/Forgejo hosts (their own budget). */
export type RequestApi = RateApi | "gitea";

/**
 * What one resolve call cost: the HTTP requests it made per API (retries included) and the GraphQL points they
 * used. The resolver adds to it as its requests go out, so concurrent calls sharing one resolver count apart.
 */
export interface ResolveUsage {
  graphql: number;
  rest: number;
  gitea: number;
  /** GraphQL points (GitHub's `rateLimit { cost }`). */
  points: number;
}

/** A usage with nothing counted yet. */
export const newUsage = (): ResolveUsage => ({ graphql: 0, rest: 0, gitea: 0, points: 0 });
