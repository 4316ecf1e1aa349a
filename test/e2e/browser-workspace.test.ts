/**
 * The admin page signed in with a workspace token: only that workspace's updates, its workspace named, no
 * workspace filter and no operator-only tab; the operator's token still sees every workspace.
 */
import { randomUUID } from "node:crypto";
import { type AdminServer, startAdminServer } from "@drift/api/node-server";
import { silentLog } from "@drift/core";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServeApp } from "../../packages/local/src/commands/serve";
import { ADMIN_TOKEN, seedUpdate } from "../support/api";
import { ARTIFACTS, browserSuite, launchChromium, skipBrowser } from "../support/browser";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

let db: TestDb;
let server: AdminServer;
let browser: Browser;
const [mine, theirs] = [randomUUID(), randomUUID()];
let workspaceToken = "";
const FAILING = "github:github.com/acme/broken#branch:main";
const failingCard = (page: Page) => page.locator(`article[data-key="${FAILING}"]`);

/** Signs in; an operator-only tab (as other views add them) is put on the page first, to see it hidden. */
async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${server.url}/admin/`);
  await page.evaluate(`{
    const tab = document.createElement("button");
    Object.assign(tab, { type: "button", textContent: "Tokens" });
    tab.setAttribute("role", "tab");
    tab.dataset.tab = "tokens";
    tab.dataset.operatorOnly = "";
    document.querySelector("[role=tablist]").append(tab);
  }`);
  await page.fill("#token", token);
  await page.click("#use-token");
  await page.waitForSelector("#list article");
}

describe.skipIf(skipBrowser)(browserSuite(`admin page with a workspace token (${dbLabel})`), () => {
  beforeAll(async () => {
    db = await createTestDb();
    for (const name of ["lint", "fmt"]) await seedUpdate(db.sql, { workspace_id: mine, plugin_name: name });
    for (const name of ["secret-a", "secret-b"])
      await seedUpdate(db.sql, { workspace_id: theirs, plugin_name: name });
    // A failing target its own plugin follows: shown to the workspace, re-checked by the operator only.
    await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref, last_error_kind,
        last_error, consecutive_failures)
      VALUES (${FAILING}, 'github', 'github.com', 'acme', 'broken', 'branch:main', 'not_found', 'gone', 2)`;
    await db.sql`INSERT INTO drift_plugin_targets (plugin_id, target_key, source_raw, tracked_ref, drift_kind)
      SELECT id, ${FAILING}, source_raw, tracked_ref, 'ref_moved' FROM workspace_plugins
      WHERE workspace_id = ${mine} AND plugin_name = 'lint'`;
    const app = createServeApp(db.sql, { ADMIN_TOKEN }, silentLog);
    server = await startAdminServer(app, { port: 0 });
    const res = await app.request("/admin/tokens", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "page", role: "workspace", workspace_id: mine }),
    });
    workspaceToken = ((await res.json()) as { token: string }).token;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.close();
  });

  it("shows only its workspace, names it, and hides the workspace filter and operator-only tabs (1280 and 400 px)", async () => {
    for (const width of [1280, 400]) {
      const page = await browser.newPage({ viewport: { width, height: 800 } });
      await signIn(page, workspaceToken);
      const text = (await page.textContent("#list")) ?? "";
      expect(text).toContain("lint");
      expect(text).toContain("fmt");
      expect(text).not.toContain("secret-a");
      expect(text).not.toContain(theirs);
      expect(await page.textContent("#caller")).toContain(`Workspace ${mine}`);
      expect(await page.isVisible("#caller")).toBe(true);
      expect(await page.isVisible("#filters [name=workspace_id]")).toBe(false);
      expect(await page.isVisible("[data-tab=tokens]")).toBe(false);
      expect(await page.isVisible("[data-tab=history]")).toBe(true);
      await page.screenshot({ path: `${ARTIFACTS}admin-workspace-${width}.png`, fullPage: true });
      // Wider than the viewport would mean a horizontal scroll bar.
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(width);
      // Its failing target, without the operator-only re-check (the API would answer 403).
      await page.click("[data-tab=failing]");
      await failingCard(page).waitFor();
      expect(await failingCard(page).locator("button.recheck").count()).toBe(0);
      await page.close();
    }
  });

  it("the operator's token still sees every workspace and every tab", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page, ADMIN_TOKEN);
    await page.waitForSelector("text=secret-a");
    expect(await page.isVisible("#caller")).toBe(false);
    expect(await page.isVisible("#filters [name=workspace_id]")).toBe(true);
    expect(await page.isVisible("[data-tab=tokens]")).toBe(true);
    await page.click("[data-tab=failing]");
    await failingCard(page).waitFor();
    expect(await failingCard(page).locator("button.recheck").count()).toBe(1);
    await page.close();
  });
});
