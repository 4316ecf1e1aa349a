import { displayText, type RolloutView } from "@drift/core";

/** Rollouts as `drift rollout list|show` and the demo print them: every line fits 70 columns. */

/** `25m`, `1h 5m`, `2d 3h`: a remaining soak. */
export function shortDuration(ms: number): string {
  const m = Math.ceil(ms / 60_000);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h}h ${m % 60}m` : `${h}h`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

const repoOf = (r: RolloutView) =>
  r.repository ? `${r.repository.owner}/${r.repository.name}` : (r.source_raw ?? "?");

const cut = (text: string, width: number) => displayText(text, width).text;

const totals = (r: RolloutView) => ({
  rows: r.waves.reduce((n, w) => n + w.rows, 0),
  applied: r.waves.reduce((n, w) => n + w.applied, 0),
  started: r.waves.filter((w) => w.started_at).length,
});

/** One line per rollout: id prefix, status, repository, waves started, rows applied. */
export function rolloutLine(r: RolloutView): string {
  const t = totals(r);
  const where = cut(`${repoOf(r)} ${r.tracked_ref}`, 30);
  return `${r.id.slice(0, 8)}  ${r.status.padEnd(9)}  ${where.padEnd(30)}  w${t.started}/${r.waves.length}  ${t.applied}/${t.rows}`;
}

/** The rollout wave by wave (`drift rollout show`). */
export function rolloutDetail(r: RolloutView): string {
  const t = totals(r);
  const soak =
    r.soak_remaining_ms !== null && r.soak_remaining_ms > 0
      ? `; next in ${shortDuration(r.soak_remaining_ms)}`
      : "";
  const lines = [
    `Rollout ${r.id}`,
    `status ${r.status}: ${t.applied} of ${t.rows} applied, wave ${t.started} of ${r.waves.length}${soak}`,
    cut(`${repoOf(r)} ${r.tracked_ref} -> ${r.latest_sha.slice(0, 12)} (${r.plugin_names.join(", ")})`, 70),
    "",
    "  #  size  soak    status    rows  applied  failed  left",
    ...r.waves.map(
      (w, i) =>
        `${String(i + 1).padStart(3)}  ${cut(String(w.size), 4).padEnd(4)}  ${cut(w.soak, 6).padEnd(6)}  ${w.status.padEnd(8)}  ${String(w.rows).padStart(4)}  ${String(w.applied).padStart(7)}  ${String(w.failed).padStart(6)}  ${String(w.left).padStart(4)}`,
    ),
    "",
    `reports: ${r.reports.ok} ok, ${r.reports.failed} failed (max ${r.max_failures}); rollback on halt: ${r.rollback_on_halt ? "yes" : "no"}`,
    cut(`created by ${r.created_by}${r.reason ? ` · ${r.reason}` : ""}`, 70),
  ];
  const rolledBack = r.waves.reduce((n, w) => n + w.rolled_back, 0);
  if (rolledBack > 0) lines.push(`rolled back: ${rolledBack}`);
  return `${lines.join("\n")}\n`;
}
