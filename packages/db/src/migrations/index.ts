import contractTables from "./001_contract_tables";
import sweeperState from "./002_sweeper_state";
import eventOutbox from "./003_event_outbox";
import queueSource from "./004_queue_source";
import appRole from "./005_app_role";
import incrementalMapping from "./006_incremental_mapping";
import webhookRechecks from "./007_webhook_rechecks";
import sweepHeartbeat from "./008_sweep_heartbeat";
import decisions from "./009_decisions";
import policiesLedger from "./011_policies_ledger";
import tagObjects from "./012_tag_objects";
import queueTargetIndex from "./013_queue_target_index";
import trust from "./014_trust";
import rollouts from "./015_rollouts";
import decisionLog from "./016_decision_log";
import accessTokens from "./017_access_tokens";
import notifications from "./018_notifications";
import deployHardening from "./019_deploy_hardening";
import tagSignatures from "./020_tag_signatures";
import deferrals from "./021_deferrals";
import decisionLogSubjects from "./022_decision_log_subjects";

/** Ordered, append-only. Never edit a shipped migration: add a new one. */
export const MIGRATIONS: readonly { readonly id: string; readonly sql: string }[] = [
  { id: "001_contract_tables", sql: contractTables },
  { id: "002_sweeper_state", sql: sweeperState },
  { id: "003_event_outbox", sql: eventOutbox },
  { id: "004_queue_source", sql: queueSource },
  { id: "005_app_role", sql: appRole },
  { id: "006_incremental_mapping", sql: incrementalMapping },
  { id: "007_webhook_rechecks", sql: webhookRechecks },
  { id: "008_sweep_heartbeat", sql: sweepHeartbeat },
  { id: "009_decisions", sql: decisions },
  { id: "011_policies_ledger", sql: policiesLedger },
  { id: "012_tag_objects", sql: tagObjects },
  { id: "013_queue_target_index", sql: queueTargetIndex },
  { id: "014_trust", sql: trust },
  { id: "015_rollouts", sql: rollouts },
  { id: "016_decision_log", sql: decisionLog },
  { id: "017_access_tokens", sql: accessTokens },
  { id: "018_notifications", sql: notifications },
  { id: "019_deploy_hardening", sql: deployHardening },
  { id: "020_tag_signatures", sql: tagSignatures },
  { id: "021_deferrals", sql: deferrals },
  { id: "022_decision_log_subjects", sql: decisionLogSubjects },
];
