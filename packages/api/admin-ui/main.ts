import { applyCaller, tabHidden } from "./access";
import {
  api,
  type BulkResult,
  type ControlItem,
  type Counts,
  decideMany,
  type Failing,
  type Group,
  type HistoryItem,
  type IntegrityEvent,
  type Policy,
  TOKEN_KEY,
  token,
} from "./api";
import { failingCard, groupCard, historyCard, KIND_LABEL, repoName } from "./cards";
import { confirmDecision } from "./decide-dialog";
import { byId, el, plain } from "./dom";
import { notificationCards } from "./notifications";
import { rolloutCards, withRollback, withRolloutStart } from "./rollouts";
import { markSelected, registeredTabs, registerTab, renderTabs, setTabCount, tabById } from "./tabs";
import { DOWNGRADE_WARNING } from "./trust";
import { controlCard, integrityCard, policyCard, recheckButton } from "./views";

/**
 * The admin page: pending updates grouped by drift (moved tags first), decided per group or per chosen rows,
 * the history of decisions and the failing targets. Built as a typed bundle (scripts/build-admin-ui.ts), served
 * from the same origin under a strict CSP; every value from the API is shown as text.
 */

let tab = "pending";
/** Whether the token is the operator's (a workspace token gets no operator-only action). */
let operator = true;

const say = (id: "error" | "status", text: string) => {
  const node = byId(id);
  node.textContent = text;
  node.hidden = !text;
};

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
            warning: group.trust_downgrade
              ? DOWNGRADE_WARNING
              : "The tag was MOVED to another commit (or a name hides characters). Check the compare link first.",
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

const report = async (kind: "status" | "error", text: string) => {
  say(kind, text);
  await refresh();
};

const withQuery = (path: string, q: string) => `${path}${q ? `&${q}` : ""}`;

// The views, in tab order (one line each; others register theirs from their own files the same way).
registerTab({
  id: "pending",
  label: "Pending",
  empty:
    "No pending updates. The sweep runs hourly; `npx drift sweep` runs one now. Decided updates are under History.",
  async load(q) {
    // Every group, page by page (a truncated page has a cursor).
    const cards: HTMLElement[] = [];
    let cursor: string | null = null;
    do {
      const path: string = `/admin/plugin-updates?group=true&limit=200${cursor ? `&cursor=${cursor}` : ""}`;
      const body: { items: Group[]; next_cursor: string | null } = await api("GET", withQuery(path, q));
      cards.push(...body.items.map((g) => withRolloutStart(groupCard(g, decide), g, report)));
      cursor = body.next_cursor;
    } while (cursor && cards.length < 5000);
    return cards;
  },
});
registerTab({
  id: "history",
  label: "History",
  empty: "No decisions yet: apply or dismiss an update under Pending.",
  load: (q) => historyPage(q, null),
});
registerTab({
  id: "failing",
  label: "Failing targets",
  empty: "No failing targets: every followed repository resolved at its last lookup.",
  async load() {
    const { items } = await api<{ items: Failing[] }>("GET", "/admin/targets/failing");
    // Re-check is operator-only (the API answers a workspace token 403): no button it could only fail with.
    const action = operator
      ? (f: Failing) => recheckButton(f.key, `${f.owner}/${f.repo} ${f.tracked_ref}`, report)
      : undefined;
    return items.map((t) => failingCard(t, action));
  },
});
registerTab({
  id: "rollouts",
  label: "Rollouts",
  operatorOnly: true,
  empty: "No rollouts: start one from a group under Pending (Roll out in waves).",
  load: () => rolloutCards(report),
});
registerTab({
  id: "policies",
  label: "Policies",
  operatorOnly: true,
  empty: "No policies: nothing is auto-applied, and DRIFT_MIN_RELEASE_AGE alone sets the release age.",
  load: async () => (await api<{ items: Policy[] }>("GET", "/admin/policies")).items.map(policyCard),
});
registerTab({
  id: "integrity",
  label: "Integrity",
  empty: "No integrity events: no followed tag was moved, deleted or re-created.",
  load: async () =>
    (await api<{ items: IntegrityEvent[] }>("GET", "/admin/integrity-events")).items.map(integrityCard),
});

registerTab({
  id: "notifications",
  label: "Notifications",
  operatorOnly: true,
  empty: "No subscriptions. Add one with `npx drift notify set` or PUT /admin/notifications.",
  load: () => notificationCards(report),
});

/** One page of the decision log (newest first), with a button that appends the older ones. */
async function historyPage(q: string, cursor: string | null): Promise<HTMLElement[]> {
  const path = `/admin/plugin-updates?history=true&limit=50${cursor ? `&cursor=${cursor}` : ""}`;
  const body = await api<{ items: (HistoryItem | ControlItem)[]; next_cursor: string | null }>(
    "GET",
    withQuery(path, q),
  );
  // "Roll back" on the entry that applied the row, while the row is still applied.
  const cards: HTMLElement[] = body.items.map((r) =>
    r.subject !== "update"
      ? controlCard(r)
      : r.status === "applied" && r.current_status === "applied"
        ? withRollback(historyCard(r, report), r, report)
        : historyCard(r, report),
  );
  const next = body.next_cursor;
  if (next) {
    const more = el("button", { type: "button", class: "older" }, "Show older decisions");
    more.addEventListener("click", async () => {
      more.setAttribute("disabled", "");
      try {
        more.replaceWith(...(await historyPage(q, next)));
      } catch (error) {
        say("error", (error as Error).message);
      }
    });
    cards.push(more);
  }
  return cards;
}

/** Counts per kind above the list, and on the tabs. */
async function showCounts(): Promise<void> {
  const c = await api<Counts>("GET", "/admin/counts");
  const kinds = Object.entries(c.pending.by_kind)
    .sort(([a], [b]) => Number(b === "tag_moved") - Number(a === "tag_moved") || a.localeCompare(b))
    .map(([kind, n]) => `${n} ${KIND_LABEL[kind] ?? kind}`);
  byId("counts").textContent =
    `Pending: ${c.pending.total} update${c.pending.total === 1 ? "" : "s"} in ${c.pending.workspaces} workspace${c.pending.workspaces === 1 ? "" : "s"}` +
    `${kinds.length ? ` (${kinds.join(", ")})` : ""}. Failing targets: ${c.failing}. Integrity events: ${c.integrity_events}.`;
  const tabs = byId("tabs");
  setTabCount(tabs, "pending", c.pending.total);
  setTabCount(tabs, "failing", c.failing);
  setTabCount(tabs, "integrity", c.integrity_events);
}

/** The tab and the filters as the URL says them (a deep link), written back on every change. */
const FILTERS = ["drift_kind", "repository", "workspace_id", "plugin_name"];
function readUrl(): void {
  const params = new URLSearchParams(location.search);
  tab = tabById(params.get("tab")).id;
  const form = byId<HTMLFormElement>("filters");
  for (const name of FILTERS) {
    const field = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
    if (field) field.value = params.get(name) ?? "";
  }
}
function writeUrl(): void {
  const q = new URLSearchParams(filterQuery());
  if (tab !== registeredTabs()[0]?.id) q.set("tab", tab);
  const search = q.toString();
  history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
}

async function refresh(): Promise<void> {
  const list = byId("list");
  if (!token()) {
    list.replaceChildren();
    say("error", "Enter the admin token (ADMIN_TOKEN) to load the updates.");
    return;
  }
  try {
    // A workspace token: its workspace named, operator-only tabs hidden (the API scopes the data itself).
    operator = (await applyCaller())?.role !== "workspace";
    if (!operator && tabHidden(tab)) {
      tab = "pending";
      markSelected(byId("tabs"), byId("list"), tab);
    }
    const view = tabById(tab);
    const [cards] = await Promise.all([view.load(filterQuery()), showCounts()]);
    list.replaceChildren(...(cards.length ? cards : [el("p", { class: "empty" }, view.empty)]));
    say("error", "");
  } catch (error) {
    list.replaceChildren();
    say("error", (error as Error).message);
  }
}

function select(id: string): void {
  tab = tabById(id).id;
  markSelected(byId("tabs"), byId("list"), tab);
  writeUrl();
  say("status", "");
  void refresh();
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
    writeUrl();
    void refresh();
  });
  readUrl();
  renderTabs(byId("tabs"), byId("list"), tab, select);
  void refresh();
}

start();
