import { api, type ControlItem, type IntegrityEvent, type Policy } from "./api";
import { el, plain, since, value } from "./dom";

/**
 * Cards of the policies and integrity views, the history's policy and rollout actions, and the "re-check now"
 * action of a failing target.
 */

/** `github:github.com/acme/lint` as operators name it: acme/lint (github.com), else HOST/acme/lint. */
export function repositoryOfKey(key: string): string {
  const match = /^[a-z]+:([^/]+)\/(.+)$/.exec(key);
  if (!match) return key;
  const [, host, path] = match;
  return host === "github" || host === "github.com" ? (path ?? key) : `${host}/${path}`;
}

export function policyCard(p: Policy): HTMLElement {
  const scope = p.plugin_name ? "plugin" : p.workspace_id ? "workspace" : "global";
  return el(
    "article",
    { class: "group policy", "data-id": p.id },
    el(
      "h2",
      {},
      el("span", { class: "kind" }, scope),
      " ",
      p.plugin_name ? value(p.plugin_name, 60) : "",
      p.workspace_id ? value(p.workspace_id, 36) : scope === "global" ? "every workspace" : "",
    ),
    el(
      "ul",
      { class: "facts" },
      el("li", {}, `auto-apply: ${p.auto_apply}`),
      el("li", {}, `minimum release age: ${p.min_release_age ?? "DRIFT_MIN_RELEASE_AGE"}`),
      el("li", { class: "muted" }, `id ${p.id}`),
    ),
  );
}

/** A policy as one line of the history: "auto-apply patch, age 3d, require signed" ("no policy": none). */
function policySummary(p: unknown): string {
  const policy = p as Partial<Policy> & { require?: string; rollout?: unknown };
  if (!policy?.auto_apply) return "no policy";
  const age = policy.min_release_age ?? "default age";
  const require = policy.require && policy.require !== "none" ? `, require ${policy.require}` : "";
  return `auto-apply ${policy.auto_apply}, age ${age}${require}${policy.rollout ? ", in waves" : ""}`;
}

/** A policy or rollout action of the decision log: who, when, why, from → to. */
export function controlCard(r: ControlItem): HTMLElement {
  const source = (r.to as { source_raw?: string | null } | null)?.source_raw ?? null;
  const where =
    r.subject === "rollout"
      ? (source ?? "rollout")
      : r.workspace_id
        ? `workspace ${r.workspace_id}`
        : "every workspace";
  const change =
    r.subject === "policy"
      ? `${policySummary(r.from)} → ${policySummary(r.to)}`
      : `${r.from_status ?? "new"} → ${r.status ?? "unknown"}`;
  return el(
    "article",
    { class: `group history control control-${r.subject}`, "data-id": r.id },
    el(
      "h2",
      {},
      el("span", { class: "kind" }, r.action.replace("_", " ")),
      " ",
      value(where, 60),
      ...(r.plugin_name ? [" ", value(r.plugin_name, 60)] : []),
    ),
    el(
      "ul",
      { class: "facts" },
      el("li", { class: "change" }, change),
      el("li", {}, "by ", value(r.decided_by, 60), ` ${since(r.decided_at)} ago`),
      el("li", {}, "reason: ", value(r.decision_reason, 120, "none")),
      el("li", { class: "muted" }, `${r.subject} ${r.id}`),
    ),
  );
}

export function integrityCard(e: IntegrityEvent): HTMLElement {
  const short = (sha: string | null) => (sha ? sha.slice(0, 12) : "gone");
  return el(
    "article",
    { class: "group suspicious integrity" },
    el(
      "h2",
      {},
      el("span", { class: "kind kind-tag_moved" }, e.kind.replace(/_/g, " ")),
      " ",
      value(repositoryOfKey(e.repo_key), 60),
      " ",
      value(e.tag, 40),
    ),
    el(
      "ul",
      { class: "facts" },
      el("li", {}, `${short(e.previous_sha)} → ${short(e.new_sha)}`),
      ...(e.previous_tag && e.previous_tag !== e.tag
        ? [el("li", {}, "was ", value(e.previous_tag, 40))]
        : []),
      el("li", {}, `detected ${e.detected_at.replace(/\.\d{3}Z$/, "Z")}`),
    ),
  );
}

/** "Re-check now" for a failing target: queued at once where the server can, else due at the next sweep. */
export function recheckButton(
  key: string,
  label: string,
  done: (kind: "status" | "error", text: string) => Promise<void>,
) {
  const b = el(
    "button",
    { type: "button", class: "recheck", "aria-label": `Re-check now: ${label}` },
    "Re-check now",
  );
  b.addEventListener("click", async () => {
    b.setAttribute("disabled", "");
    try {
      const r = await api<{ queued: boolean }>("POST", "/admin/targets/recheck", { key });
      await done(
        "status",
        r.queued
          ? `Re-check of ${plain(label)} queued: it is looked up now.`
          : `${plain(label)} is due: the next sweep looks it up first.`,
      );
    } catch (error) {
      await done("error", (error as Error).message);
    }
  });
  return b;
}
