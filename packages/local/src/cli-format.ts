import { displayText, elapsedText, isRealCalendarDay } from "@drift/core";

/**
 * Terminal output helpers: every value goes through the core display helper (bidi and invisible characters
 * shown as `\uXXXX`, never reordering the line), and tables fit the terminal width by shortening the widest
 * flexible columns (`--wide` prints everything whole).
 */

/** One table column: its header, and whether it may be shortened to fit. */
export interface Column {
  readonly header: string;
  readonly flexible?: boolean;
  /** Shortest width a flexible column is cut to. */
  readonly min?: number;
  /** Flexible columns with a higher priority are cut first (default 0). */
  readonly cutFirst?: number;
  /**
   * May be left out of a narrow table when even the shortest cells would not fit (`--wide` shows it): the
   * highest first. Never set on a column that carries the version or a mark.
   */
  readonly dropFirst?: number;
}

/** A cell made safe for a terminal (escaped), whole. */
export const cell = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === "" ? "-" : displayText(String(value), 1_000_000).full;

const width = (text: string) => Array.from(text).length;

/** Cuts an (already escaped) cell to `max` characters with an ellipsis. */
function cut(text: string, max: number): string {
  const chars = Array.from(text);
  if (chars.length <= max) return text;
  let head = chars.slice(0, Math.max(1, max - 1)).join("");
  head = head.replace(/\\u(\{[0-9A-F]*|[0-9A-F]{0,3})$/, "");
  return `${head}…`;
}

/**
 * Lays out a table within `columns` characters (unless `wide`), two spaces between columns, or one when even the
 * shortest cells would not fit otherwise (a 70-column terminal).
 */
export function table(
  cols: readonly Column[],
  rows: readonly (readonly string[])[],
  columns: number,
  wide: boolean,
): string {
  if (!wide) [cols, rows] = dropToFit(cols, rows, columns);
  const widths = cols.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ""))));
  let gap = 2;
  if (!wide) {
    if (leastWidth(cols, widths) + 2 * (cols.length - 1) > columns) gap = 1;
    const total = () => widths.reduce((a, b) => a + b, 0) + gap * (cols.length - 1);
    // Cut flexible columns, the highest `cutFirst` first, down to their minimum, until the table fits.
    const order = cols
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => c.flexible)
      .sort((a, b) => (b.c.cutFirst ?? 0) - (a.c.cutFirst ?? 0));
    for (const { c, i } of order) {
      const excess = total() - columns;
      if (excess <= 0) break;
      const w = widths[i] ?? 0;
      widths[i] = Math.max(c.min ?? 8, w - excess);
    }
  }
  return [cols.map((c) => c.header), ...rows]
    .map((r) =>
      r
        .map((text, i) => {
          const w = widths[i] ?? 0;
          const shown = wide ? text : cut(text, w);
          return shown + " ".repeat(Math.max(0, w - width(shown)));
        })
        .join(" ".repeat(gap))
        .trimEnd(),
    )
    .join("\n");
}

/** The terminal width: the stream's, else COLUMNS, else 100. */
export function terminalColumns(stream: { columns?: number }, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.COLUMNS);
  return stream.columns ?? (Number.isFinite(fromEnv) && fromEnv > 20 ? fromEnv : 100);
}

/** "3 days", "5 hours", "12 minutes" since `date`. */
export function age(date: Date | string | null, now = Date.now()): string {
  return date ? elapsedText(now - new Date(date).getTime()) : "-";
}

/**
 * `--until`: an ISO-8601 date-time, or a duration from now (`90m`, `12h`, `7d`, `2w`). Null when it is neither
 * or not in the future.
 */
export function parseUntil(text: string, now = Date.now()): Date | null {
  const duration = /^(\d{1,6})([mhdw])$/.exec(text.trim());
  if (duration) {
    const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 }[
      duration[2] as "m" | "h" | "d" | "w"
    ];
    return new Date(now + Number(duration[1]) * unit);
  }
  if (!/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim()))
    return null;
  const at = Date.parse(text);
  return Number.isFinite(at) && isRealCalendarDay(text) && at > now ? new Date(at) : null;
}

/** The narrowest a table can be: flexible columns at their minimum, the others whole. */
function leastWidth(cols: readonly Column[], widths: readonly number[]): number {
  return cols.reduce(
    (sum, c, i) => sum + (c.flexible ? Math.min(c.min ?? 8, widths[i] ?? 0) : (widths[i] ?? 0)),
    0,
  );
}

/** Leaves out droppable columns, the highest `dropFirst` first, while even the narrowest layout would not fit. */
function dropToFit(
  cols: readonly Column[],
  rows: readonly (readonly string[])[],
  columns: number,
): [readonly Column[], readonly (readonly string[])[]] {
  let keep = cols.map((_, i) => i);
  const droppable = keep
    .filter((i) => cols[i]?.dropFirst !== undefined)
    .sort((a, b) => (cols[b]?.dropFirst ?? 0) - (cols[a]?.dropFirst ?? 0));
  for (const drop of [undefined, ...droppable]) {
    if (drop !== undefined) keep = keep.filter((i) => i !== drop);
    const shown = keep.map((i) => cols[i] as Column);
    const widths = keep.map((i) =>
      Math.max(width(cols[i]?.header ?? ""), ...rows.map((r) => width(r[i] ?? ""))),
    );
    if (leastWidth(shown, widths) + (shown.length - 1) <= columns) break;
  }
  return [keep.map((i) => cols[i] as Column), rows.map((r) => keep.map((i) => r[i] ?? ""))];
}
