import { classifyRow, type PluginRow, type Target } from "./target";
import type { DriftKind } from "./tracked-ref";

/** A workspace plugin that follows a target, as recorded for the worker's set-based drift SQL. */
export interface PluginMapping {
  readonly pluginId: string;
  readonly target: Target;
  /**
   * The row's source_raw / tracked_ref / installed_sha (as stored) at mapping time: a row changed since is never
   * matched stale, and is mapped (and compared) again.
   */
  readonly sourceRaw: string;
  readonly trackedRef: string;
  readonly installedSha: string;
  readonly driftKind: DriftKind;
}

/**
 * A row that is not followed, and why, with the columns it was decided on: the row is looked at again only
 * when one of them changes (an installed_sha filled in later, a source re-pointed).
 */
export interface RowProblem {
  readonly pluginId: string;
  readonly status: "skipped" | "invalid";
  readonly reason: string;
  readonly sourceRaw: string | null;
  readonly trackedRef: string | null;
  readonly installedSha: string | null;
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
    if (c.status === "ok") {
      mappings.push({
        pluginId: row.id,
        target: c.value.target,
        sourceRaw: row.source_raw ?? "",
        trackedRef: row.tracked_ref ?? "",
        installedSha: row.installed_sha ?? "",
        driftKind: c.value.driftKind,
      });
    } else {
      problems.push({
        pluginId: row.id,
        status: c.status,
        reason: c.reason,
        sourceRaw: row.source_raw,
        trackedRef: row.tracked_ref,
        installedSha: row.installed_sha,
      });
    }
  }
  return { mappings, problems };
}
