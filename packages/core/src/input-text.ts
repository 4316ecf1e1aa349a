/** Checks of caller-written text shared by the admin API and the CLI: keys named safely, dates that exist. */

/** A key shown as it is: short, and nothing a page, terminal or log could read as markup or control. */
const PLAIN_KEY = /^[A-Za-z0-9_.-]{1,40}$/;

/** Whether a caller's key may be quoted back as it is. */
export const isPlainKey = (key: string): boolean => PLAIN_KEY.test(key);

/**
 * Names unknown keys without echoing hostile ones: plain keys quoted, the others only counted and measured.
 *
 * @example
 * describeUnknownKeys(["statuss", "<script>"], "query parameter");
 * // 'unknown query parameters: "statuss" and 1 not shown (8 characters)'
 */
export function describeUnknownKeys(keys: readonly string[], noun = "key"): string {
  const shown = keys.filter(isPlainKey).slice(0, 5);
  const hidden = keys.filter((k) => !shown.includes(k));
  const chars = hidden.reduce((n, k) => n + Array.from(k).length, 0);
  const parts = shown.map((k) => JSON.stringify(k));
  if (hidden.length) parts.push(`${hidden.length} not shown (${chars} characters)`);
  return `unknown ${noun}${keys.length === 1 ? "" : "s"}: ${parts.join(" and ")}`;
}

/**
 * Whether the calendar part of an ISO-8601 text (`YYYY-MM-DD…`) is a day that exists. `Date.parse` takes any day
 * up to 31 and rolls it over (2027-02-30 becomes 2 March): a hold must end when it says, or be refused.
 */
export function isRealCalendarDay(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(text.trim());
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}
