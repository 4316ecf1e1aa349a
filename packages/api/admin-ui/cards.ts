import { coolingDownLabel } from "../../core/src/display";
import { api, type Failing, type Group, type Row } from "./api";
import { el, link, plain, since, value } from "./dom";
import { trustFacts } from "./trust";

/** The cards of the admin page: a drift group, a decided row, a failing target. Data only ever as text. */

/** Decides these rows of a group (the page asks for confirmation where needed). */
export type Decide = (group: Group, ids: readonly string[], action: "apply" | "dismiss") => Promise<void>;
/** Reports an outcome and refreshes the list. */
export type Done = (kind: "status" | "error", text: string) => Promise<void>;

export const KIND_LABEL: Record<string, string> = {
  tag_moved: "⚠ TAG MOVED",
  new_version: "new version",
  ref_moved: "branch moved",
  pin_mismatch: "pin mismatch",
};

export const repoName = (g: Pick<Group, "repository" | "source_raw">) =>
  g.repository ? `${g.repository.owner}/${g.repository.name}` : (g.source_raw ?? "unknown repository");

export const versions = (g: Pick<Group, "from_version" | "to_version" | "current_sha" | "latest_sha">) =>
  el(
    "span",
    { class: "versions" },
    value(g.from_version ?? g.current_sha.slice(0, 8), 40),
    " → ",
    value(g.to_version ?? g.latest_sha.slice(0, 8), 40),
  );

/** A button that runs `onClick` (its accessible name says what it acts on). */
function button(text: string, label: string, onClick: () => unknown, cls?: string): HTMLElement {
  const b = el("button", { type: "button", "aria-label": label, ...(cls ? { class: cls } : {}) }, text);
  b.addEventListener("click", () => void onClick());
  return b;
}

function groupTitle(g: Group, name: string): HTMLElement {
  const kind = el(
    "span",
    { class: `kind kind-${g.drift_kind ?? "unknown"}` },
    KIND_LABEL[g.drift_kind ?? ""] ?? "drift",
  );
  return el(
    "h2",
    {},
    kind,
    " ",
    g.repository?.url ? link(g.repository.url, plain(name, 60)) : value(name),
    " ",
    value(g.plugin_names.join(", "), 60),
    " ",
    value(g.tracked_ref, 40),
  );
}

function groupFacts(g: Group, label: string): HTMLElement {
  const ahead =
    g.commits_ahead === null
      ? "commits ahead: unknown"
      : `${g.commits_ahead} commit${g.commits_ahead === 1 ? "" : "s"} ahead`;
  const release = g.release
    ? link(
        g.release.url,
        `release ${plain(g.release.name ?? g.release.tag, 30)}`,
        `release notes of ${label}`,
      )
    : "no release";
  const cooling = coolingDownLabel(g.ready_at);
  return el(
    "ul",
    { class: "facts" },
    el("li", {}, versions(g)),
    el("li", {}, `pending ${since(g.first_detected_at)}`),
    el("li", {}, ahead),
    el("li", { class: `sig sig-${g.signature ?? "unknown"}` }, `signature: ${g.signature ?? "unknown"}`),
    ...trustFacts(g),
    el("li", {}, release),
    el("li", {}, link(g.compare_url, "compare", `compare ${label} on its host`)),
    el("li", {}, `${g.count} workspace${g.count === 1 ? "" : "s"}`),
    ...(cooling ? [el("li", { class: "cooling" }, cooling)] : []),
  );
}

/** The group's workspaces, each with a checkbox, and actions on the chosen ones. */
function workspaceDetails(g: Group, label: string, decide: Decide): HTMLElement {
  const rows = el("ul", { class: "rows" });
  g.ids.forEach((id, i) => {
    const box = el("input", {
      type: "checkbox",
      value: id,
      "aria-label": `choose workspace ${g.workspace_ids[i] ?? ""}`,
    });
    const plugin = value(g.plugin_names.length === 1 ? g.plugin_names[0] : "", 40, "");
    const workspace = value(g.workspace_ids[i] ?? "", 36);
    rows.append(el("li", { "data-id": id }, el("label", {}, box, " ", workspace, " ", plugin)));
  });
  const chosen = () => [...rows.querySelectorAll<HTMLInputElement>("input:checked")].map((b) => b.value);
  const onChosen = (action: "apply" | "dismiss") => () => chosen().length && decide(g, chosen(), action);
  return el(
    "details",
    {},
    el("summary", {}, `Workspaces (${g.count})`),
    rows,
    el(
      "div",
      { class: "actions" },
      button("Apply chosen", `Apply chosen: ${label}`, onChosen("apply")),
      button("Dismiss chosen", `Dismiss chosen: ${label}`, onChosen("dismiss")),
    ),
  );
}

export function groupCard(g: Group, decide: Decide): HTMLElement {
  const name = repoName(g);
  const label = `${plain(name)} ${plain(g.tracked_ref)}`;
  const card = el("article", {
    class: `group${g.suspicious ? " suspicious" : ""}`,
    "data-ids": g.ids[0] ?? "",
  });
  card.append(groupTitle(g, name), groupFacts(g, label));
  if (g.release?.notes) card.append(el("p", { class: "notes" }, value(g.release.notes, 200)));
  const whole = `${g.count}: ${label}, ${g.count} workspace(s)`;
  card.append(
    el(
      "div",
      { class: "actions" },
      button(`Apply ${g.count}`, `Apply ${whole}`, () => decide(g, g.ids, "apply"), "apply"),
      button(`Dismiss ${g.count}`, `Dismiss ${whole}`, () => decide(g, g.ids, "dismiss"), "dismiss"),
    ),
    workspaceDetails(g, label, decide),
  );
  return card;
}

export function historyCard(r: Row, done: Done): HTMLElement {
  const card = el("article", { class: `group history${r.suspicious ? " suspicious" : ""}`, "data-id": r.id });
  card.append(
    el(
      "h2",
      {},
      el("span", { class: `status status-${r.status}` }, r.status),
      " ",
      value(repoName(r), 60),
      " ",
      value(r.plugin_name, 60),
    ),
    el(
      "ul",
      { class: "facts" },
      el("li", {}, versions(r)),
      el("li", {}, "by ", value(r.decided_by, 60), ` ${since(r.decided_at)} ago`),
      el("li", {}, "reason: ", value(r.decision_reason, 120, "none")),
      el(
        "li",
        {},
        r.hold_until ? `holds until ${r.hold_until}` : r.status === "dismissed" ? "holds for this drift" : "",
      ),
    ),
  );
  if (r.status === "dismissed") {
    const reopen = async () => {
      try {
        await api("POST", `/admin/plugin-updates/${r.id}/reopen`);
        await done("status", `Reopened ${plain(r.plugin_name)}.`);
      } catch (error) {
        await done("error", (error as Error).message);
      }
    };
    const label = `Reopen: ${plain(r.plugin_name)} of workspace ${r.workspace_id}`;
    card.append(el("div", { class: "actions" }, button("Reopen", label, reopen)));
  }
  return card;
}

export function failingCard(t: Failing): HTMLElement {
  return el(
    "article",
    { class: "group failing" },
    el(
      "h2",
      {},
      value(`${t.host === "github" ? "" : `${t.host}/`}${t.owner}/${t.repo}`, 60),
      " ",
      value(t.tracked_ref, 40),
    ),
    el(
      "p",
      {},
      `${t.last_error_kind}, ${t.consecutive_failures} time(s) in a row, followed by ${t.plugins} plugin(s): `,
      value(t.last_error, 160, ""),
    ),
  );
}
