import type { Sql } from "../client";

/**
 * A queue row `q` that waits in a rollout, or that a halt or a cancel stopped, for its current commit: the policy
 * step applies it neither at once nor through another rollout (the rollout does, or the operator decided it
 * should not go on). A newer commit is free again.
 */
export const inRollout = (sql: Sql) => sql`EXISTS (
  SELECT 1 FROM drift_rollout_rows x JOIN drift_rollouts r ON r.id = x.rollout_id
  WHERE x.queue_id = q.id AND x.state IN ('waiting', 'stopped') AND r.latest_sha = lower(q.latest_sha))`;
