/**
 * `@drift/db`: what other packages use, and nothing more (tests reach the rest through `@drift/db/internal/…`).
 * Read packages/db/README.md for the order of the folders.
 */
export {
  type AccessToken,
  findTokenCredential,
  insertToken,
  listTokens,
  type NewToken,
  revokeToken,
  type TokenCredential,
  type TokenRole,
  touchToken,
} from "./access/token-store";
export { createSql, type Sql } from "./client";
export { createDecisionStore } from "./decisions/decision-store";
export { createEventOutbox } from "./events/event-outbox";
export {
  type ControlHistoryEntry,
  decodeHistoryCursor,
  encodeHistoryCursor,
  type HistoryEntry,
  type HistoryFilter,
  listHistory,
  type UpdateHistoryEntry,
} from "./history/history-store";
export { listIntegrityEvents } from "./integrity/tag-ledger";
export { type MigrateResult, migrate } from "./migrate";
export { createNotificationStore } from "./notifications/delivery-store";
export {
  deleteSubscription,
  getDelivery,
  getSubscription,
  listDeliveries,
  listSubscriptions,
  putSubscription,
  queueTestDelivery,
} from "./notifications/subscription-store";
export { deletePolicy, listPolicies, policyIdsByPrefix, putPolicy } from "./policies/policy-store";
export { createPolicyStore } from "./policies/policy-sweep";
export {
  type Counts,
  countPendingUpdates,
  countsNow,
  latestSweepSummary,
  listFailingTargets,
  sweepTotals,
} from "./queue/reporting-store";
export { updateRowsById } from "./queue/review-rows";
export { createReviewStore } from "./queue/review-store";
export {
  decodeGroupCursor,
  encodeGroupCursor,
  groupMatesOf,
  listUpdateGroups,
  type UpdateGroup,
} from "./queue/update-groups";
export {
  decodeUpdateCursor,
  encodeUpdateCursor,
  listPendingUpdates,
  listUpdates,
  type UpdateCursor,
  type UpdateFilter,
  type UpdateRow,
} from "./queue/update-store";
// A fresh start (every product table emptied): the benchmark's first sweeps and tests, never the product.
export { emptyProductTables, nonEmptyTables, productTables } from "./reset/empty-tables";
export { createRolloutStore } from "./rollouts/rollout-store";
export { createRecheckStore, markTargetDue, targetByKey } from "./sweep/recheck-store";
export { createSweepStore } from "./sweep/sweep-store";
