/**
 * `@drift/github`: the host resolver (GitHub GraphQL and REST, Gitea) and its configuration; nothing more
 * (tests reach the rest through `@drift/github/internal/…`). Read packages/github/README.md for the folders.
 */
export { createHostResolver, type HostResolver } from "./resolver";
export {
  DEFAULT_MAX_CONCURRENCY_PER_HOST,
  DEFAULT_PACKET_CONCURRENCY,
  type GitHubAuth,
  type HostResolverConfig,
} from "./shared/config";
