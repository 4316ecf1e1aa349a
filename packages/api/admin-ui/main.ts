import { applyCaller, tabHidden } from "./access";
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
import { failingCard, groupCard, historyCard, repoName } from "./cards";
import { confirmDecision } from "./decide-dialog";
import { byId, el, plain } from "./dom";
import { notificationCards } from "./notifications";
import { rolloutCards, withRollback, withRolloutStart } from "./rollouts";
import { DOWNGRADE_WARNING } from "./trust";

/**
 * The admin page: pending updates grouped by drift (moved tags first), decided per group or per chosen rows,
 * the history of decisions and the failing targets. Built as a typed bundle (scripts/build-admin-ui.ts), served
 * from the same origin under a strict CSP; every value from the API is shown as text.
 */

type Tab = "pending" | "history" | "failing" | "rollouts" | "notifications";
let tab: Tab = "pending";

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

const EMPTY: Record<Tab, string> = {
  pending:
    "No pending updates. The sweep runs hourly; `npx drift sweep` runs one now. Decided updates are under History.",
  history: "No decisions yet: apply or dismiss an update under Pending.",
  failing: "No failing targets: every followed repository resolved at its last lookup.",
  rollouts: "No rollouts: start one from a group under Pending (Roll out in waves).",
  notifications: "No subscriptions. Add one with `npx drift notify set` or PUT /admin/notifications.",
};

const report = async (kind: "status" | "error", text: string) => {
  say(kind, text);
  await refresh();
};

async function refresh(): Promise<void> {
  const list = byId("list");
  if (!token()) {
    list.replaceChildren();
    say("error", "Enter the admin token (ADMIN_TOKEN) to load the updates.");
    return;
  }
  try {
    // A workspace token: its workspace named, operator-only tabs hidden (the API scopes the data itself).
    if ((await applyCaller())?.role === "workspace" && tabHidden(tab)) {
      tab = "pending";
      for (const b of document.querySelectorAll<HTMLButtonElement>("[role=tab]"))
        b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    }
    const q = filterQuery();
    let cards: HTMLElement[];
    if (tab === "pending") {
      const body = await api<{ items: Group[] }>(
        "GET",
        `/admin/plugin-updates?group=true&limit=200${q ? `&${q}` : ""}`,
      );
      cards = body.items.map((g) => withRolloutStart(groupCard(g, decide), g, report));
    } else if (tab === "history") {
      const body = await api<{ items: Row[] }>(
        "GET",
        `/admin/plugin-updates?history=true&limit=100${q ? `&${q}` : ""}`,
      );
      cards = body.items.map((r) => withRollback(historyCard(r, report), r, report));
    } else if (tab === "rollouts") {
      cards = await rolloutCards(report);
    } else if (tab === "notifications") {
      cards = await notificationCards(report);
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
