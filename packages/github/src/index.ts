export {
  type BuiltQuery,
  buildRefsQuery,
  PEEL_DEPTH,
  peelFragment,
  type RepoSelection,
  TAG_PAGE_SIZE,
} from "./graphql/graphql-query";
export {
  fetchReviews,
  PACKET_REPOS_PER_QUERY,
  type ReviewHost,
  type ReviewHosts,
} from "./packets/review-packet";
export { buildPacketQuery, type PacketSelection } from "./packets/review-packet-query";
export { createHostResolver, type HostResolver } from "./resolver";
export {
  DEFAULT_MAX_CONCURRENCY_PER_HOST,
  DEFAULT_PACKET_CONCURRENCY,
  type GitHubAuth,
  graphqlUrlFor,
  type HostResolverConfig,
} from "./shared/config";
export { REDACTED, Redactor } from "./shared/redact";
export { pickLatest, pickSatisfying, tagVersion } from "./shared/tags";
