import { api, type Failing, type Group, type Row } from "./api";
import { el, link, plain, since, value } from "./dom";

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

export function groupCard(g: Group, decide: Decide): HTMLElement {
  const name = repoName(g);
  const label = `${plain(name)} ${plain(g.tracked_ref)}`;
  const card = el("article", {
    class: `group${g.suspicious ? " suspicious" : ""}`,
    "data-ids": g.ids[0] ?? "",
  });
  const kind = el(
    "span",
    { class: `kind kind-${g.drift_kind ?? "unknown"}` },
    KIND_LABEL[g.drift_kind ?? ""] ?? "drift",
  );
  const title = el(
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
  const facts = el(
    "ul",
    { class: "facts" },
    el("li", {}, versions(g)),
    el("li", {}, `pending ${since(g.first_detected_at)}`),
    el(
      "li",
      {},
      g.commits_ahead === null
        ? "commits ahead: unknown"
        : `${g.commits_ahead} commit${g.commits_ahead === 1 ? "" : "s"} ahead`,
    ),
    el("li", { class: `sig sig-${g.signature ?? "unknown"}` }, `signature: ${g.signature ?? "unknown"}`),
    el(
      "li",
      {},
      g.release
        ? link(
            g.release.url,
            `release ${plain(g.release.name ?? g.release.tag, 30)}`,
            `release notes of ${label}`,
          )
        : "no release",
    ),
    el("li", {}, link(g.compare_url, "compare", `compare ${label} on its host`)),
    el("li", {}, `${g.count} workspace${g.count === 1 ? "" : "s"}`),
  );
  card.append(title, facts);
  if (g.release?.notes) card.append(el("p", { class: "notes" }, value(g.release.notes, 200)));
  const apply = el(
    "button",
    { type: "button", class: "apply", "aria-label": `Apply ${g.count}: ${label}, ${g.count} workspace(s)` },
    `Apply ${g.count}`,
  );
  apply.addEventListener("click", () => decide(g, g.ids, "apply"));
  const dismiss = el(
    "button",
    {
      type: "button",
      class: "dismiss",
      "aria-label": `Dismiss ${g.count}: ${label}, ${g.count} workspace(s)`,
    },
    `Dismiss ${g.count}`,
  );
  dismiss.addEventListener("click", () => decide(g, g.ids, "dismiss"));
  card.append(el("div", { class: "actions" }, apply, dismiss));

  const rows = el("ul", { class: "rows" });
  g.ids.forEach((id, i) => {
    const box = el("input", {
      type: "checkbox",
      value: id,
      "aria-label": `choose workspace ${g.workspace_ids[i] ?? ""}`,
    });
    rows.append(
      el(
        "li",
        { "data-id": id },
        el(
          "label",
          {},
          box,
          " ",
          value(g.workspace_ids[i] ?? "", 36),
          " ",
          value(g.plugin_names.length === 1 ? g.plugin_names[0] : "", 40, ""),
        ),
      ),
    );
  });
  const chosen = () => [...rows.querySelectorAll<HTMLInputElement>("input:checked")].map((b) => b.value);
  const applyChosen = el(
    "button",
    { type: "button", "aria-label": `Apply chosen: ${label}` },
    "Apply chosen",
  );
  applyChosen.addEventListener("click", () => chosen().length && decide(g, chosen(), "apply"));
  const dismissChosen = el(
    "button",
    { type: "button", "aria-label": `Dismiss chosen: ${label}` },
    "Dismiss chosen",
  );
  dismissChosen.addEventListener("click", () => chosen().length && decide(g, chosen(), "dismiss"));
  const details = el(
    "details",
    {},
    el("summary", {}, `Workspaces (${g.count})`),
    rows,
    el("div", { class: "actions" }, applyChosen, dismissChosen),
  );
  card.append(details);
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
    const reopen = el(
      "button",
      { type: "button", "aria-label": `Reopen: ${plain(r.plugin_name)} of workspace ${r.workspace_id}` },
      "Reopen",
    );
    reopen.addEventListener("click", async () => {
      try {
        await api("POST", `/admin/plugin-updates/${r.id}/reopen`);
        await done("status", `Reopened ${plain(r.plugin_name)}.`);
      } catch (error) {
        await done("error", (error as Error).message);
      }
    });
    card.append(el("div", { class: "actions" }, reopen));
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
