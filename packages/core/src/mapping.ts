import { classifyRow, type PluginRow, type Target } from "./target";
import type { DriftKind } from "./tracked-ref";

/** A workspace plugin that follows a target, as recorded for the worker's set-based drift SQL. */
export interface PluginMapping {
  readonly pluginId: string;
  readonly target: Target;
  /** The row's source_raw / tracked_ref at mapping time: a row changed since is never matched stale. */
  readonly sourceRaw: string;
  readonly trackedRef: string;
  readonly driftKind: DriftKind;
  /** Already recorded exactly so: nothing to write. */
  readonly unchanged: boolean;
}

/** A row that is not followed, and why. */
export interface RowProblem {
  readonly pluginId: string;
  readonly status: "skipped" | "invalid";
  readonly reason: string;
  /** Already recorded exactly so: nothing to write. */
  readonly unchanged: boolean;
}

export interface MappedPage {
  readonly mappings: PluginMapping[];
  readonly problems: RowProblem[];
}

/** Classifies one page of rows. Pure; never throws, whatever the rows hold. */
export function mapPluginRows(rows: readonly PluginRow[]): MappedPage {
  const mappings: PluginMapping[] = [];
  const problems: RowProblem[] = [];
  for (const row of rows) {
    const c = classifyRow(row);
    const r = row.recorded;
    if (c.status === "ok") {
      const sourceRaw = row.source_raw ?? "";
      const trackedRef = row.tracked_ref ?? "";
      const unchanged =
        r?.target_key === c.value.target.key &&
        r.source_raw === sourceRaw &&
        r.tracked_ref === trackedRef &&
        r.drift_kind === c.value.driftKind &&
        r.problem_status == null;
      mappings.push({
        pluginId: row.id,
        target: c.value.target,
        sourceRaw,
        trackedRef,
        driftKind: c.value.driftKind,
        unchanged,
      });
    } else {
      const unchanged =
        r?.target_key == null && r?.problem_status === c.status && r.problem_reason === c.reason;
      problems.push({ pluginId: row.id, status: c.status, reason: c.reason, unchanged });
    }
  }
  return { mappings, problems };
}
