import {
  api,
  type BulkResult,
  decideMany,
  type Failing,
  type Group,
  type Row,
  TOKEN_KEY,
  token,
} from "./api";
import { confirmDecision } from "./decide-dialog";
import { byId, el, link, plain, since, value } from "./dom";

/**
 * The admin page: pending updates grouped by drift (moved tags first), decided per group or per chosen rows,
 * the history of decisions and the failing targets. Built as a typed bundle (scripts/build-admin-ui.ts), served
 * from the same origin under a strict CSP; every value from the API is shown as text.
 */

type Tab = "pending" | "history" | "failing";
let tab: Tab = "pending";

const say = (id: "error" | "status", text: string) => {
  const node = byId(id);
  node.textContent = text;
  node.hidden = !text;
};

const KIND_LABEL: Record<string, string> = {
  tag_moved: "⚠ TAG MOVED",
  new_version: "new version",
  ref_moved: "branch moved",
  pin_mismatch: "pin mismatch",
};

const repoName = (g: Pick<Group, "repository" | "source_raw">) =>
  g.repository ? `${g.repository.owner}/${g.repository.name}` : (g.source_raw ?? "unknown repository");

const versions = (g: Pick<Group, "from_version" | "to_version" | "current_sha" | "latest_sha">) =>
  el(
    "span",
    { class: "versions" },
    value(g.from_version ?? g.current_sha.slice(0, 8), 40),
    " → ",
    value(g.to_version ?? g.latest_sha.slice(0, 8), 40),
  );

function filterQuery(): string {
  const form = byId<HTMLFormElement>("filters");
  const q = new URLSearchParams();
  for (const name of ["drift_kind", "repository", "workspace_id", "plugin_name"]) {
    const field = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    if (field?.value.trim()) q.set(name, field.value.trim());
  }
  return q.toString();
}

function summarize(action: string, results: readonly BulkResult[]): string {
  const done = results.filter((r) => r.status && !r.status.startsWith("already")).length;
  const failed = results.filter((r) => r.error);
  const first = failed[0]?.error;
  return `${action}: ${done} of ${results.length} decided${failed.length ? `; ${failed.length} refused (${first?.code}: ${first?.message})` : ""}.`;
}

/** Applies or dismisses these rows of a group after confirmation (moved tags and dismissals always ask). */
async function decide(group: Group, ids: readonly string[], action: "apply" | "dismiss"): Promise<void> {
  const what = `${plain(repoName(group))} ${plain(group.tracked_ref)} (${plain(group.from_version ?? group.current_sha.slice(0, 8))} → ${plain(group.to_version ?? group.latest_sha.slice(0, 8))})`;
  const moved = group.drift_kind === "tag_moved" || group.suspicious;
  let extra: { reason?: string; until?: string } = {};
  if (action === "dismiss" || moved) {
    const confirmed = await confirmDecision({
      title: `${action === "apply" ? "Apply" : "Dismiss"} ${ids.length} update${ids.length === 1 ? "" : "s"}`,
      message: what,
      ...(moved && action === "apply"
        ? {
            warning:
              "The tag was MOVED to another commit (or a name hides characters). Check the compare link first.",
          }
        : {}),
      dismiss: action === "dismiss",
      confirmLabel: action === "apply" ? `Apply ${ids.length}` : `Dismiss ${ids.length}`,
    });
    if (!confirmed) return;
    extra = confirmed;
  }
  try {
    const results = await decideMany(action, ids, extra);
    say("status", summarize(action === "apply" ? "Applied" : "Dismissed", results));
    say("error", "");
  } catch (error) {
    say("error", (error as Error).message);
  }
  await refresh();
}

function groupCard(g: Group): HTMLElement {
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

function historyCard(r: Row): HTMLElement {
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
        say("status", `Reopened ${plain(r.plugin_name)}.`);
      } catch (error) {
        say("error", (error as Error).message);
      }
      await refresh();
    });
    card.append(el("div", { class: "actions" }, reopen));
  }
  return card;
}

function failingCard(t: Failing): HTMLElement {
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

const EMPTY: Record<Tab, string> = {
  pending:
    "No pending updates. The sweep runs hourly; `npx drift sweep` runs one now. Decided updates are under History.",
  history: "No decisions yet: apply or dismiss an update under Pending.",
  failing: "No failing targets: every followed repository resolved at its last lookup.",
};

async function refresh(): Promise<void> {
  const list = byId("list");
  if (!token()) {
    list.replaceChildren();
    say("error", "Enter the admin token (ADMIN_TOKEN) to load the updates.");
    return;
  }
  try {
    const q = filterQuery();
    let cards: HTMLElement[];
    if (tab === "pending") {
      const body = await api<{ items: Group[] }>(
        "GET",
        `/admin/plugin-updates?group=true&limit=200${q ? `&${q}` : ""}`,
      );
      cards = body.items.map(groupCard);
    } else if (tab === "history") {
      const body = await api<{ items: Row[] }>(
        "GET",
        `/admin/plugin-updates?history=true&limit=100${q ? `&${q}` : ""}`,
      );
      cards = body.items.map(historyCard);
    } else {
      cards = (await api<{ items: Failing[] }>("GET", "/admin/targets/failing")).items.map(failingCard);
    }
    list.replaceChildren(...(cards.length ? cards : [el("p", { class: "empty" }, EMPTY[tab])]));
    say("error", "");
  } catch (error) {
    list.replaceChildren();
    say("error", (error as Error).message);
  }
}

function start(): void {
  byId<HTMLFormElement>("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, byId<HTMLInputElement>("token").value.trim());
    byId<HTMLInputElement>("token").value = "";
    void refresh();
  });
  byId("forget").addEventListener("click", () => {
    sessionStorage.removeItem(TOKEN_KEY);
    void refresh();
  });
  byId<HTMLFormElement>("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    void refresh();
  });
  for (const button of document.querySelectorAll<HTMLButtonElement>("[role=tab]")) {
    button.addEventListener("click", () => {
      tab = button.dataset.tab as Tab;
      for (const b of document.querySelectorAll<HTMLButtonElement>("[role=tab]"))
        b.setAttribute("aria-selected", String(b === button));
      say("status", "");
      void refresh();
    });
  }
  void refresh();
}

start();
