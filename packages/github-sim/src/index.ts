export { type Fault, type FaultKind, type FaultScope, Faults } from "./faults";
export { executeGraphql, githubGraphqlSchema } from "./graphql";
export { RateBucket } from "./rate-limit";
export {
  type GitHubSim,
  type GitHubSimOptions,
  type SimCounters,
  type SimRequestRecord,
  startGitHubSim,
} from "./server";
export { type SimObject, type SimRepo, type TagOptions, World } from "./world";
