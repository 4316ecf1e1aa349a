import { DRIFT_DETECTED, INTEGRITY_PREFIX, type IntegrityFinding } from "@drift/core/model";
import type postgres from "postgres";
import type { Sql } from "../client";

/**
 * Outbox events for subscriptions only (drift groups, tag-integrity findings), written in the sweep message's
 * transaction and only when some subscription asks for them: without subscribers the outbox stays as it was.
 * They are written as published (`published_at` set): the platform's bus carries decisions, not detections.
 */

/** One drift group the drift statement inserted or refreshed pending rows for. */
export interface DriftGroup {
  readonly target_key: string | null;
  readonly source_raw: string;
  readonly tracked_ref: string;
  readonly drift_kind: string | null;
  readonly from_sha: string;
  readonly to_sha: string;
  readonly to_version: string | null;
  readonly count: number;
  readonly workspace_ids: readonly string[];
  readonly plugin_names: readonly string[];
}

/** Writes one `plugin.drift.detected` event per group (when a subscription asks for drift.detected). */
export async function writeDriftEvents(
  tx: Sql,
  groups: readonly DriftGroup[] | undefined,
  sweepId: string | null,
): Promise<void> {
  if (!groups?.length) return;
  const details = groups.map((g) => ({ ...g, sweep_id: sweepId }));
  await tx`
    INSERT INTO drift_event_outbox (event_type, detail, published_at)
    SELECT ${DRIFT_DETECTED}, d, now() FROM jsonb_array_elements(${tx.json(details as unknown as postgres.JSONValue)}::jsonb) d
    WHERE EXISTS (SELECT 1 FROM drift_notification_subscriptions WHERE 'drift.detected' = ANY(events))`;
}

/** Writes one `plugin.integrity.<kind>` event per finding (when a subscription asks for integrity). */
export async function writeIntegrityEvents(
  tx: Sql,
  findings: readonly (Omit<IntegrityFinding, "tag"> & { tag: string | null })[],
  sweepId: string | null,
): Promise<void> {
  if (findings.length === 0) return;
  const rows = findings.map((f) => ({
    type: `${INTEGRITY_PREFIX}${f.kind}`,
    detail: { ...f, sweep_id: sweepId },
  }));
  await tx`
    INSERT INTO drift_event_outbox (event_type, detail, published_at)
    SELECT x.type, x.detail, now() FROM jsonb_to_recordset(${tx.json(rows as unknown as postgres.JSONValue)}::jsonb)
      AS x(type text, detail jsonb)
    WHERE EXISTS (SELECT 1 FROM drift_notification_subscriptions WHERE 'integrity' = ANY(events))`;
}
