import { api, type BulkResult, type Group, type Row } from "./api";
import { el, plain, value } from "./dom";

/**
 * Rollouts on the admin page (issue 22): start one from a drift group (waves and soak), the Rollouts tab (wave by
 * wave: applied, failed, left, soak remaining; pause, resume, cancel, roll back what it applied) and the rollback
 * of one applied row under History. Data only ever as text.
 */

/** Reports an outcome and refreshes the list. */
export type Report = (kind: "status" | "error", text: string) => Promise<void>;

interface Wave {
  size: number | string;
  soak: string;
  status: string;
  started_at: string | null;
  rows: number;
  applied: number;
  failed: number;
  left: number;
}
interface Rollout {
  id: string;
  status: string;
  latest_sha: string;
  tracked_ref: string;
  repository: { owner: string; name: string } | null;
  source_raw: string | null;
  plugin_names: string[];
  waves: Wave[];
  reports: { ok: number; failed: number };
  max_failures: number;
  rollback_on_halt: boolean;
  soak_remaining_ms: number | null;
  applied_ids: string[];
  created_by: string;
  reason: string | null;
}

const act = (report: Report, run: () => Promise<string>) => async () => {
  try {
    await report("status", await run());
  } catch (error) {
    await report("error", (error as Error).message);
  }
};

function button(text: string, label: string, onClick: () => unknown, cls?: string): HTMLElement {
  const b = el("button", { type: "button", "aria-label": label, ...(cls ? { class: cls } : {}) }, text);
  b.addEventListener("click", () => void onClick());
  return b;
}

let formCount = 0;

/** Appends "Roll out in waves" to a group's card: waves, soak, failures allowed, rollback on halt. */
export function withRolloutStart(card: HTMLElement, g: Group, report: Report): HTMLElement {
  const n = ++formCount;
  const field = (label: string, name: string, val: string, size: string) =>
    el(
      "label",
      { for: `ro-${name}-${n}` },
      `${label} `,
      el("input", { id: `ro-${name}-${n}`, name, value: val, size }),
    );
  const back = el("input", { type: "checkbox", id: `ro-back-${n}`, name: "rollback" });
  const form = el(
    "form",
    { class: "rollout-form", "aria-label": `Roll out ${plain(g.tracked_ref)} in waves` },
    field("Waves", "waves", g.count > 10 ? "1,10%,rest" : "1,rest", "12"),
    field("Soak", "soak", "30m", "5"),
    field("Failures allowed", "max", "0", "3"),
    el("label", { for: `ro-back-${n}` }, back, " roll back on halt"),
    el("button", { type: "submit", class: "start" }, `Start rollout of ${g.count}`),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const sizes = String(data.get("waves"))
      .split(",")
      .map((s) => s.trim());
    const soak = String(data.get("soak")).trim();
    const body = {
      ids: g.ids,
      waves: sizes.map((s) => ({ size: /^\d+$/.test(s) ? Number(s) : s, soak })),
      max_failures: Number(data.get("max")),
      rollback_on_halt: back.checked,
    };
    void act(report, async () => {
      const r = await api<Rollout>("POST", "/admin/rollouts", body);
      return `Rollout ${r.id.slice(0, 8)} started: ${r.waves[0]?.applied ?? 0} applied in wave 1 of ${r.waves.length}. See Rollouts.`;
    })();
  });
  card.append(el("details", { class: "rollout-start" }, el("summary", {}, "Roll out in waves"), form));
  return card;
}

const minutes = (ms: number) =>
  ms >= 3_600_000 ? `${Math.ceil(ms / 3_600_000)} h` : `${Math.ceil(ms / 60_000)} min`;

function waveTable(r: Rollout): HTMLElement {
  const head = ["Size", "Soak", "Status", "Rows", "Applied", "Failed", "Left"];
  return el(
    "table",
    // Fits 400 px (the wave column is "#", the font smaller there); narrower screens scroll: keyboard-reachable.
    { class: "waves", tabindex: "0" },
    el("caption", {}, `Waves of rollout ${r.id.slice(0, 8)}`),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col", "aria-label": "Wave" }, "#"),
        ...head.map((h) => el("th", { scope: "col" }, h)),
      ),
    ),
    el(
      "tbody",
      {},
      ...r.waves.map((w, i) =>
        el(
          "tr",
          { "data-wave": String(i + 1) },
          el("th", { scope: "row" }, String(i + 1)),
          ...[String(w.size), w.soak, w.status, w.rows, w.applied, w.failed, w.left].map((v) =>
            el("td", {}, String(v)),
          ),
        ),
      ),
    ),
  );
}

function rolloutCard(r: Rollout, report: Report): HTMLElement {
  const name = r.repository ? `${r.repository.owner}/${r.repository.name}` : (r.source_raw ?? "unknown");
  const label = `rollout ${r.id.slice(0, 8)} of ${plain(name)}`;
  const control = (action: "pause" | "resume" | "cancel") =>
    button(
      `${action[0]?.toUpperCase()}${action.slice(1)}`,
      `${action[0]?.toUpperCase()}${action.slice(1)}: ${label}`,
      act(report, async () => {
        const done = await api<Rollout>("POST", `/admin/rollouts/${r.id}/${action}`);
        return `Rollout ${r.id.slice(0, 8)} is ${done.status}.`;
      }),
    );
  const active = r.status === "running" || r.status === "paused";
  const rollBack = act(report, async () => {
    const body = { action: "rollback", ids: r.applied_ids.slice(0, 500) };
    const results = (await api<{ results: BulkResult[] }>("POST", "/admin/plugin-updates/bulk", body))
      .results;
    return `Rolled back ${results.filter((x) => x.status === "rolled_back").length} of ${results.length}.`;
  });
  const soak = r.soak_remaining_ms ? `next wave in ${minutes(r.soak_remaining_ms)}` : "";
  return el(
    "article",
    { class: `group rollout rollout-${r.status}`, "data-rollout": r.id },
    el(
      "h2",
      {},
      el("span", { class: `status status-${r.status}` }, r.status),
      " ",
      value(name, 60),
      " ",
      value(r.plugin_names.join(", "), 40),
      " ",
      value(r.tracked_ref, 40),
    ),
    el(
      "ul",
      { class: "facts" },
      el("li", {}, `to ${r.latest_sha.slice(0, 12)}`),
      el("li", {}, `reports: ${r.reports.ok} ok, ${r.reports.failed} failed (max ${r.max_failures})`),
      el("li", {}, r.rollback_on_halt ? "rolls back on halt" : "keeps applied rows on halt"),
      el("li", {}, "by ", value(r.created_by, 40)),
      ...(soak ? [el("li", { class: "cooling" }, soak)] : []),
    ),
    waveTable(r),
    el(
      "div",
      { class: "actions" },
      ...(r.status === "running" ? [control("pause")] : []),
      ...(r.status === "paused" ? [control("resume")] : []),
      ...(active ? [control("cancel")] : []),
      ...(r.applied_ids.length
        ? [
            button(
              `Roll back ${r.applied_ids.length}`,
              `Roll back ${r.applied_ids.length}: applied by ${label}`,
              rollBack,
              "dismiss",
            ),
          ]
        : []),
    ),
  );
}

/** The Rollouts tab: running and paused first, then the rest, newest first. */
export async function rolloutCards(report: Report): Promise<HTMLElement[]> {
  const body = await api<{ items: Rollout[] }>("GET", "/admin/rollouts");
  return body.items.map((r) => rolloutCard(r, report));
}

/** Appends "Roll back" to an applied row under History. */
export function withRollback(card: HTMLElement, r: Row, report: Report): HTMLElement {
  if (r.status !== "applied") return card;
  const label = `Roll back: ${plain(r.plugin_name)} of workspace ${r.workspace_id}`;
  const run = act(report, async () => {
    await api("POST", `/admin/plugin-updates/${r.id}/rollback`, {});
    return `Rolled back ${plain(r.plugin_name)}: back on ${r.current_sha.slice(0, 8)}; this version is held.`;
  });
  card.append(el("div", { class: "actions" }, button("Roll back", label, run, "dismiss")));
  return card;
}
