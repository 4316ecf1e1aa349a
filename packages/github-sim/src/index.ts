export { type Fault, type FaultKind, type FaultScope, Faults } from "./faults";
export { executeGraphql, type GraphqlOutcome, githubGraphqlSchema } from "./graphql";
export type { GraphqlContext } from "./graphql-resolvers";
export { RateBucket } from "./rate-limit";
export type { SimCounters, SimRequestRecord } from "./request-log";
export { type GitHubSim, type GitHubSimOptions, startGitHubSim } from "./server";
export * from "./webhook-payloads";
export {
  type SentDelivery,
  startWebhookSender,
  type WebhookSender,
  type WebhookSenderOptions,
} from "./webhook-sender";
export {
  type CommitOptions,
  type Comparison,
  type SimObject,
  type SimRelease,
  type SimRepo,
  type TagOptions,
  World,
  type WorldChange,
} from "./world";
