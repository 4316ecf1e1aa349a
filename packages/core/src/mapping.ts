import { classifyRow, type PluginRow, type Target } from "./target";
import type { DriftKind } from "./tracked-ref";

/**
 * The columns of a workspace_plugins row that its mapping is decided on. Rows sharing them map alike (the parsers
 * are pure), so a page of the mapping pass is classified once per distinct value, not once per row: a million
 * rows following 12,000 targets cost about as many parses as there are distinct (source, ref, installed commit).
 */
export type RowValues = Pick<PluginRow, "source_raw" | "tracked_ref" | "installed_sha">;

/** Values that follow a target, as recorded for the worker's set-based drift SQL (every row holding them). */
export interface ValuesMapping {
  readonly values: RowValues;
  readonly target: Target;
  readonly driftKind: DriftKind;
}

/**
 * Values that are not followed, and why: rows holding them are recorded as problems with these columns, and are
 * looked at again only when one of them changes (an installed_sha filled in later, a source re-pointed).
 */
export interface ValuesProblem {
  readonly values: RowValues;
  readonly status: "skipped" | "invalid";
  readonly reason: string;
}

export interface MappedPage {
  readonly mappings: ValuesMapping[];
  readonly problems: ValuesProblem[];
}

/**
 * Which rows a page of the mapping pass covers: a range of the table's heap blocks (a physical scan; `unrecorded`:
 * nothing was mapped when the pass started, so no row is recorded yet), or a list of rows. Opaque to core.
 */
export type RowScope =
  | { readonly kind: "blocks"; readonly from: number; readonly to: number; readonly unrecorded: boolean }
  | { readonly kind: "ids"; readonly ids: readonly string[] };

/** A page of the mapping pass, as the store hands it to the dispatcher. */
export interface RowPage {
  /** The distinct values of the page's rows that need (re)mapping (none: the page's rows are all up to date). */
  readonly values: readonly RowValues[];
  readonly scope: RowScope;
}

/** Classifies each distinct value of a page. Pure; never throws, whatever the values hold. */
export function mapRowValues(
  values: readonly RowValues[],
  classify: (v: RowValues) => ReturnType<typeof classifyRow> = classifyRow,
): MappedPage {
  const mappings: ValuesMapping[] = [];
  const problems: ValuesProblem[] = [];
  for (const v of values) {
    const c = classify(v);
    if (c.status === "ok") mappings.push({ values: v, target: c.value.target, driftKind: c.value.driftKind });
    else problems.push({ values: v, status: c.status, reason: c.reason });
  }
  return { mappings, problems };
}

/**
 * `classifyRow` remembered for up to `max` distinct values (then no longer remembering; as many as a mapping page
 * holds at most, so the worst case, every row its own commit, costs no more than a page): one pass meets
 * the same values on page after page (a million rows following 12,000 targets), and parsing each once instead of
 * once per page saves the time and the garbage (the dispatcher's memory stays flat). For one pass only.
 */
export function rememberingClassifier(max = 20_000): (v: RowValues) => ReturnType<typeof classifyRow> {
  const seen = new Map<string, ReturnType<typeof classifyRow>>();
  return (v) => {
    const key = `${v.source_raw}\u0000${v.tracked_ref}\u0000${v.installed_sha}\u0000${v.installed_sha === null}`;
    let c = seen.get(key);
    if (c === undefined) {
      c = classifyRow(v);
      if (seen.size < max) seen.set(key, c);
    }
    return c;
  };
}
