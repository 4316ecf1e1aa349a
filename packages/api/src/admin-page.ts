import { createHash } from "node:crypto";

/**
 * The minimal admin page (`GET /admin/`): plain HTML, one inline style and one inline script, both allowed by
 * their hash in the Content-Security-Policy (no 'unsafe-inline'). Data is only ever put in the page with
 * textContent / attributes, never as HTML. The token the operator types stays in sessionStorage.
 */

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1f2328; }
h1 { font-size: 1.3rem; margin: 0 0 1rem; }
form { display: flex; gap: .5rem; align-items: center; margin-bottom: 1rem; }
input[type=password] { width: 22rem; padding: .3rem; }
button { padding: .3rem .7rem; cursor: pointer; }
button.apply { background: #1f883d; color: #fff; border: 1px solid #1a7f37; border-radius: 4px; }
button.dismiss { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { background: #f6f8fa; }
code { font: 12px ui-monospace, monospace; }
td.shas, td.actions, td.detected { white-space: nowrap; }
tr.suspicious { background: #fff1f0; }
.kind-tag_moved { color: #b42318; font-weight: 600; }
.muted { color: #656d76; font-size: 12px; }
#error { color: #b42318; background: #fff1f0; border: 1px solid #f5c2c0; padding: .5rem; white-space: pre-wrap; }
#status { color: #1a7f37; }
#sweep { margin-bottom: 1rem; }
`;

const SCRIPT = `
"use strict";
(() => {
  const KEY = "driftAdminToken";
  const byId = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem(KEY) || "";
  const say = (id, text) => { const el = byId(id); el.textContent = text; el.hidden = !text; };
  const el = (tag, text, attrs) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  };
  const shortSha = (sha) => String(sha || "").slice(0, 7);

  async function api(method, path) {
    const res = await fetch(path, { method, headers: { Authorization: "Bearer " + token(), Accept: "application/json" } });
    let body = null;
    try { body = await res.json(); } catch { body = null; }
    if (!res.ok) {
      const e = body && body.error;
      throw new Error("HTTP " + res.status + ": " + (e ? e.message + " (" + e.code + ")" : res.statusText));
    }
    return body;
  }

  function shaCell(update) {
    const td = el("td", null, { class: "shas" });
    td.append(el("code", shortSha(update.current_sha), { title: update.current_sha, class: "sha-current" }));
    td.append(" \\u2192 ");
    td.append(el("code", shortSha(update.latest_sha), { title: update.latest_sha, class: "sha-latest" }));
    return td;
  }

  function kindCell(kind) {
    const td = el("td", null, { class: "kind kind-" + (kind || "unknown") });
    td.textContent = kind === "tag_moved" ? "\\u26a0 tag moved (suspicious)" : (kind || "unknown");
    return td;
  }

  // Younger than the minimum release age: apply is refused (409 cooling_down) until then.
  function detectedCell(update) {
    const td = el("td", new Date(update.created_at).toLocaleString(), { class: "detected" });
    if (update.ready_at && new Date(update.ready_at) > new Date())
      td.append(el("div", "cooling down until " + new Date(update.ready_at).toLocaleString(), { class: "muted cooling" }));
    return td;
  }

  function row(update) {
    const tr = el("tr", null, { "data-id": update.id });
    if (update.drift_kind === "tag_moved") tr.className = "suspicious";
    const plugin = el("td");
    plugin.append(el("strong", update.plugin_name), el("div", update.workspace_id, { class: "muted" }));
    const actions = el("td", null, { class: "actions" });
    const apply = el("button", "Apply", { type: "button", class: "apply" });
    apply.addEventListener("click", () => decide(update, "apply"));
    const dismiss = el("button", "Dismiss", { type: "button", class: "dismiss" });
    dismiss.addEventListener("click", () => decide(update, "dismiss"));
    actions.append(apply, " ", dismiss);
    tr.append(plugin, el("td", update.tracked_ref), kindCell(update.drift_kind), shaCell(update),
      el("td", update.resolved_tag || "\\u2014"), detectedCell(update), actions);
    return tr;
  }

  async function decide(update, action) {
    say("error", ""); say("status", "");
    if (action === "apply" && update.drift_kind === "tag_moved" &&
        !confirm("The tag of " + update.plugin_name + " was moved to another commit. Apply anyway?")) return;
    try {
      const result = await api("POST", "/admin/plugin-updates/" + encodeURIComponent(update.id) + "/" + action);
      say("status", (action === "apply" ? "Applied " : "Dismissed ") + update.plugin_name + " (" + result.status + ")");
    } catch (error) {
      say("error", (action === "apply" ? "Apply" : "Dismiss") + " of " + update.plugin_name + " failed: " + error.message);
    }
    await load();
  }

  async function loadSweep() {
    try {
      const { sweep } = await api("GET", "/admin/sweeps/latest");
      say("sweep", sweep ? "Last sweep: " + sweep.status + ", started " + new Date(sweep.started_at).toLocaleString() +
        ", " + sweep.targets.resolved + " targets resolved, " + sweep.targets.failed + " failed" : "No sweep has run yet.");
    } catch { say("sweep", ""); }
  }

  async function load() {
    const body = byId("updates");
    byId("token").placeholder = token() ? "token set for this tab (type to replace)" : "ADMIN_TOKEN";
    if (!token()) { say("error", "Enter the admin token to see pending updates."); return; }
    try {
      const items = [];
      let cursor = null;
      for (let page = 0; page < 10; page++) {
        const list = await api("GET", "/admin/plugin-updates?status=pending&limit=200" +
          (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""));
        items.push(...list.items);
        cursor = list.next_cursor;
        if (!cursor) break;
      }
      body.replaceChildren(...items.map(row));
      say("count", items.length + " pending update" + (items.length === 1 ? "" : "s") + (cursor ? " (first 2000 shown)" : ""));
      byId("table").hidden = items.length === 0;
    } catch (error) {
      body.replaceChildren();
      byId("table").hidden = true;
      say("count", "");
      say("error", "Could not load pending updates: " + error.message);
      return;
    }
    await loadSweep();
  }

  byId("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(KEY, byId("token").value.trim());
    byId("token").value = "";
    say("error", ""); say("status", "");
    load();
  });
  byId("forget").addEventListener("click", () => {
    sessionStorage.removeItem(KEY);
    byId("updates").replaceChildren();
    byId("table").hidden = true;
    say("count", ""); say("sweep", "");
  });
  load();
})();
`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** The CSP of the page: only its own inline style/script (by hash) and same-origin fetches. */
export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${hash(SCRIPT)}`,
  `style-src ${hash(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** The page's HTML (static: no data is rendered on the server). */
export const ADMIN_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plugin updates · drift admin</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<h1>Pending plugin updates</h1>
<form id="token-form">
  <label for="token">Admin token</label>
  <input id="token" type="password" autocomplete="off" placeholder="ADMIN_TOKEN">
  <button type="submit" id="use-token">Use token</button>
  <button type="button" id="forget">Forget token</button>
</form>
<p id="error" role="alert" hidden></p>
<p id="status" role="status" hidden></p>
<p id="sweep" class="muted" hidden></p>
<p id="count" hidden></p>
<table id="table" hidden>
  <thead><tr><th>Plugin</th><th>Tracked ref</th><th>Drift</th><th>Current → latest</th><th>Tag</th><th>Detected</th><th></th></tr></thead>
  <tbody id="updates"></tbody>
</table>
<script>${SCRIPT}</script>
</body>
</html>
`;
