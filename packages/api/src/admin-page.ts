import { createHash } from "node:crypto";

/**
 * The admin page (`GET /admin/`): static HTML, one inline style allowed by its hash, and the typed client bundle
 * served from the same origin at /admin/app.js (packages/api/admin-ui, built by scripts/build-admin-ui.ts). No
 * inline script, no inline handlers, `frame-ancestors 'none'`. Data only ever reaches the page as text. The
 * token stays in sessionStorage and the Authorization header. Cards rather than a table: usable at 400 px.
 */

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 1rem; max-width: 72rem; color: #1f2328; }
h1 { font-size: 1.35rem; margin: 0 0 .75rem; }
form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: .75rem; }
[hidden] { display: none !important; }
label { display: inline-flex; flex-direction: column; font-size: 13px; gap: .15rem; }
input, select, textarea { font: inherit; padding: .3rem .4rem; border: 1px solid #8c959f; border-radius: 4px; max-width: 100%; }
button { font: inherit; padding: .35rem .75rem; border-radius: 4px; border: 1px solid #8c959f; background: #f6f8fa; cursor: pointer; min-height: 2.2rem; }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible, textarea:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
button.apply, button.start { background: #1a7f37; border-color: #116329; color: #fff; }
button.more { min-height: 0; padding: 0 .3rem; font-size: 12px; margin-left: .3rem; }
[role=tablist] { display: flex; flex-wrap: wrap; gap: .25rem; border-bottom: 1px solid #d0d7de; margin: .5rem 0 .75rem; }
#counts { margin: .25rem 0; font-size: 14px; }
[role=tab][aria-selected=true] { background: #fff; border-bottom-color: #fff; font-weight: 600; }
.group { border: 1px solid #d0d7de; border-radius: 6px; padding: .6rem .8rem; margin-bottom: .6rem; overflow: hidden; }
.group.suspicious { border: 2px solid #cf222e; background: #fff5f5; }
.group h2 { font-size: 1rem; margin: 0 0 .3rem; overflow-wrap: anywhere; }
.facts { list-style: none; padding: 0; margin: 0 0 .4rem; display: flex; flex-wrap: wrap; gap: .25rem 1rem; }
.kind { font-size: 12px; padding: .05rem .4rem; border-radius: 3px; background: #eaeef2; }
.kind-tag_moved { background: #cf222e; color: #fff; font-weight: 700; }
.sig-invalid { color: #a40e26; font-weight: 700; }
.trust-downgrade { color: #a40e26; font-weight: 700; }
.bump-major { color: #a40e26; font-weight: 700; }
.val { unicode-bidi: isolate; overflow-wrap: anywhere; font-family: ui-monospace, monospace; font-size: 13px; }
.val.full { display: block; max-height: 12rem; overflow: auto; white-space: pre-wrap; }
.hidden-chars { background: #fff8c5; outline: 1px dashed #9a6700; }
.muted { color: #57606a; }
.notes { margin: .2rem 0 .4rem; color: #424a53; white-space: pre-line; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .3rem 0; }
.rows { list-style: none; padding: 0; margin: .4rem 0; max-height: 20rem; overflow: auto; }
table.waves { border-collapse: collapse; margin: .4rem 0; font-size: 14px; max-width: 100%; display: block; overflow-x: auto; }
table.waves caption { text-align: left; font-weight: 600; }
table.waves th, table.waves td { border: 1px solid #d0d7de; padding: .2rem .5rem; text-align: right; }
@media (max-width: 480px) { table.waves { font-size: 13px; } table.waves th, table.waves td { padding: .15rem .2rem; } }
.rollout-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; margin: .4rem 0; }
.rows li { padding: .15rem 0; overflow-wrap: anywhere; }
.rows label { flex-direction: row; align-items: baseline; gap: .4rem; font-size: 14px; }
#error { color: #a40e26; background: #fff5f5; border: 1px solid #f5c2c0; padding: .5rem; white-space: pre-wrap; }
#status { color: #116329; }
dialog { max-width: min(32rem, 95vw); border: 1px solid #8c959f; border-radius: 6px; }
dialog form { flex-direction: column; align-items: stretch; }
#decide-warning { color: #a40e26; font-weight: 700; }
@media (max-width: 600px) { body { padding: .5rem; } form label { flex: 1 1 100%; } }
`;

const hash = (text: string) => `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;

/** The CSP of the page: its script from the same origin only, its own inline style by hash, same-origin fetches. */
export const ADMIN_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
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
<script src="/admin/app.js" defer></script>
</head>
<body>
<header>
<h1>Plugin updates</h1>
<form id="token-form" aria-label="Admin token">
  <label for="token">Admin token <input id="token" type="password" autocomplete="off" placeholder="ADMIN_TOKEN or drift_…"></label>
  <button type="submit" id="use-token">Use token</button>
  <button type="button" id="forget">Forget token</button>
</form>
<p id="caller" hidden></p>
</header>
<main>
<p id="error" role="alert" hidden></p>
<p id="status" role="status" hidden></p>
<form id="filters" aria-label="Filters">
  <label>Kind <select name="drift_kind"><option value="">any</option><option value="tag_moved">tag moved</option>
    <option value="new_version">new version</option><option value="ref_moved">branch moved</option>
    <option value="pin_mismatch">pin mismatch</option></select></label>
  <label>Repository <input name="repository" placeholder="owner/name or part" size="16"></label>
  <label>Workspace <input name="workspace_id" placeholder="workspace UUID" size="20"></label>
  <label>Plugin <input name="plugin_name" placeholder="plugin name" size="14"></label>
  <button type="submit">Filter</button>
</form>
<p id="counts" class="muted"></p>
<div role="tablist" aria-label="Views" id="tabs"></div>
<section id="list" role="tabpanel" tabindex="0" aria-live="polite"></section>
</main>
<dialog id="decide" aria-labelledby="decide-title">
  <form method="dialog">
    <h2 id="decide-title">Decide</h2>
    <p id="decide-message"></p>
    <p id="decide-warning" hidden></p>
    <div id="decide-dismiss-fields">
      <label>Reason (optional) <textarea id="decide-reason" maxlength="500" rows="3"></textarea></label>
      <label>Hold this dismissal
        <select id="decide-until"><option value="">until a newer version appears</option><option value="1d">for 1 day</option>
          <option value="7d">for 7 days</option><option value="30d">for 30 days</option><option value="90d">for 90 days</option></select>
      </label>
    </div>
    <div class="actions">
      <button type="submit" value="cancel" id="decide-cancel">Cancel</button>
      <button type="button" id="decide-ok" class="apply">Confirm</button>
    </div>
  </form>
</dialog>
</body>
</html>
`;
