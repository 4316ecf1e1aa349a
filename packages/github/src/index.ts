export {
  DEFAULT_MAX_CONCURRENCY_PER_HOST,
  type GitHubAuth,
  graphqlUrlFor,
  type HostResolverConfig,
} from "./config";
export {
  type BuiltQuery,
  buildRefsQuery,
  PEEL_DEPTH,
  peelFragment,
  type RepoSelection,
  TAG_PAGE_SIZE,
} from "./graphql-query";
export { REDACTED, Redactor } from "./redact";
export { createHostResolver, type HostResolver } from "./resolver";
export { fetchReviews, PACKET_REPOS_PER_QUERY, type ReviewHost, type ReviewHosts } from "./review-packet";
export { buildPacketQuery, type PacketSelection } from "./review-packet-query";
export { pickLatest, pickSatisfying, tagVersion } from "./tags";
