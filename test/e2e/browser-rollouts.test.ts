import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { createAdminApp } from "@drift/api";
import { type AdminServer, startAdminServer } from "@drift/api/node-server";
import { tickRollouts } from "@drift/core";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, recordingNotifier, type SeededUpdate, seedUpdate } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { fakeClock, MINUTE, rolloutDeps } from "../support/rollouts";
import { sha } from "../support/seed";

const CHROMIUM = process.env.DRIFT_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const hasChromium = existsSync(CHROMIUM);
const required = process.env.DRIFT_REQUIRE_BROWSER === "1";
const KEY = "github:github/acme/fleet#tag:latest";

let db: TestDb;
let server: AdminServer;
let browser: Browser;
const clock = fakeClock(new Date());
const fleet: SeededUpdate[] = [];

describe.skipIf(!hasChromium && !required)(`rollouts on the admin page in Chromium (${dbLabel})`, () => {
  beforeAll(async () => {
    db = await createTestDb();
    for (let i = 0; i < 12; i++)
      fleet.push(
        await seedUpdate(db.sql, {
          plugin_name: "fleet",
          current_sha: sha("ro-cur"),
          latest_sha: sha("ro-next"),
          resolved_tag: "v1.1.0",
        }),
      );
    await db.sql`UPDATE plugin_update_queue SET target_key = ${KEY}, source_raw = 'github://acme/fleet'`;
    // The page's server judges soaks by the test's clock: the test moves it, nothing sleeps.
    const app = createAdminApp({
      sql: db.sql,
      auth: { mode: "bearer", token: ADMIN_TOKEN },
      corsOrigins: [],
      notifier: recordingNotifier(),
      now: clock.now,
    });
    server = await startAdminServer(app, { port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await db?.close();
  });

  it("starts a rollout from a group, sees it advance, rolls a row back; 1280 and 400 px; no serious axe violation", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(e.message));
    await page.goto(`${server.url}/admin/`);
    await page.fill("#token", ADMIN_TOKEN);
    await page.click("#use-token");
    const group = page.locator(`article[data-ids="${fleet[0]?.id}"]`);
    await group.waitFor();
    const ids = await group.getAttribute("data-ids");
    expect(ids).toBeTruthy();

    await group.locator("summary", { hasText: "Roll out in waves" }).click();
    await group.locator('input[name="waves"]').fill("1,rest");
    await group.locator('input[name="soak"]').fill("1h");
    await group.locator("button", { hasText: "Start rollout of 12" }).click();
    await expect.poll(() => page.textContent("#status")).toMatch(/started: 1 applied in wave 1 of 2/);

    await page.click('[role=tab][data-tab="rollouts"]');
    const card = page.locator("article.rollout");
    await card.waitFor();
    const wave = (n: number) => card.locator(`tr[data-wave="${n}"] td`).allTextContents();
    expect(await wave(1)).toEqual(["1", "1h", "soaking", "1", "1", "0", "0"]);
    expect(await wave(2)).toEqual(["rest", "1h", "waiting", "11", "0", "0", "0"]);
    expect(await card.textContent()).toContain("next wave in 1 h");
    await page.screenshot({ path: `${ARTIFACTS}rollouts-1280-started.png`, fullPage: true });

    // The soak ends; the tick (drift serve's, or the scheduled function) starts wave 2.
    clock.advance(60 * MINUTE);
    expect((await tickRollouts(rolloutDeps(db.sql, clock).deps)).applied).toBe(11);
    await page.click('[role=tab][data-tab="rollouts"]');
    await expect.poll(() => wave(2)).toEqual(["rest", "1h", "soaking", "11", "11", "0", "0"]);
    // The last wave soaks too (a late failing report can still halt it); then it completes.
    clock.advance(60 * MINUTE);
    await tickRollouts(rolloutDeps(db.sql, clock).deps);
    await page.click('[role=tab][data-tab="rollouts"]');
    await expect.poll(() => card.locator(".status").textContent()).toBe("completed");
    expect(await wave(2)).toEqual(["rest", "1h", "done", "11", "11", "0", "0"]);
    await page.screenshot({ path: `${ARTIFACTS}rollouts-1280.png`, fullPage: true });

    // Roll one row back from History.
    await page.click('[role=tab][data-tab="history"]');
    const row = page.locator(`article.history[data-id="${fleet[3]?.id}"]`);
    await row.locator("button", { hasText: "Roll back" }).click();
    await expect.poll(() => page.textContent("#status")).toMatch(/Rolled back fleet/);
    const [after] = await db.sql`SELECT q.status, p.installed_sha FROM plugin_update_queue q
      JOIN workspace_plugins p ON p.workspace_id = q.workspace_id AND p.plugin_name = q.plugin_name
      WHERE q.id = ${fleet[3]?.id as string}`;
    expect(after).toEqual({ status: "rolled_back", installed_sha: sha("ro-cur") });

    // 400 px: no horizontal scroll; axe finds no serious violation on the Rollouts tab.
    await page.setViewportSize({ width: 400, height: 900 });
    await page.click('[role=tab][data-tab="rollouts"]');
    await card.waitFor();
    expect(await card.textContent()).toContain("Roll back 11");
    expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(400);
    // The wave table fits too: no sideways scroll inside the card (issue 25).
    const table = card.locator("table.waves");
    const [scroll, client] = await table.evaluate((t) => [t.scrollWidth, t.clientWidth]);
    expect(scroll).toBeLessThanOrEqual(client ?? 0);
    await page.screenshot({ path: `${ARTIFACTS}rollouts-400.png`, fullPage: true });
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const axe = (
        globalThis as unknown as {
          axe: { run: () => Promise<{ violations: { id: string; impact: string }[] }> };
        }
      ).axe;
      return (await axe.run()).violations.map((v) => ({ id: v.id, impact: v.impact }));
    });
    expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
    expect(problems).toEqual([]);
    await context.close();
  });
});
