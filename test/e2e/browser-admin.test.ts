import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type AdminServer, startAdminServer } from "@drift/api/node-server";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServeApp } from "../../packages/local/src/commands/serve";
import { ADMIN_TOKEN, captureLogger, type SeededUpdate, seedUpdate } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";

const CHROMIUM = process.env.DRIFT_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const hasChromium = existsSync(CHROMIUM);
const required = process.env.DRIFT_REQUIRE_BROWSER === "1";
const skipReason = `SKIPPED: ${CHROMIUM} not found (install it with: apt-get install -y chromium; CI installs it)`;
if (!hasChromium && !required) console.warn(`browser-admin: ${skipReason}`);

let db: TestDb;
let server: AdminServer;
let browser: Browser;
const logger = captureLogger();
const seeded: Record<"apply" | "dismiss" | "keep" | "moved" | "hostile", SeededUpdate> = {} as never;

describe.skipIf(!hasChromium && !required)(
  `admin page in Chromium (${dbLabel})${hasChromium ? "" : ` ${skipReason}`}`,
  () => {
    beforeAll(async () => {
      if (!hasChromium) throw new Error(`DRIFT_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
      db = await createTestDb();
      const at = (day: number) => new Date(`2026-04-0${day}T10:00:00Z`);
      seeded.keep = await seedUpdate(db.sql, {
        plugin_name: "formatter",
        drift_kind: "ref_moved",
        created_at: at(1),
      });
      seeded.hostile = await seedUpdate(db.sql, {
        plugin_name: "<img src=x onerror=\"document.title='pwned'\">",
        created_at: at(2),
      });
      seeded.moved = await seedUpdate(db.sql, {
        plugin_name: "secrets-scanner",
        drift_kind: "tag_moved",
        tracked_ref: "tag:v2.0.0",
        resolved_tag: "v2.0.0",
        created_at: at(3),
      });
      seeded.dismiss = await seedUpdate(db.sql, {
        plugin_name: "linter",
        drift_kind: "new_version",
        tracked_ref: "semver:^1.4",
        resolved_tag: "v1.6.0",
        created_at: at(4),
      });
      seeded.apply = await seedUpdate(db.sql, {
        plugin_name: "deploy-helper",
        drift_kind: "tag_moved",
        tracked_ref: "tag:stable",
        resolved_tag: "stable",
        created_at: at(5),
      });
      // Served the way `drift serve` wires the app, on a random port.
      server = await startAdminServer(createServeApp(db.sql, { ADMIN_TOKEN }, logger), { port: 0 });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
        ],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await server?.close();
      await db?.close();
    });

    it("enter the token, apply one update, dismiss another; the database agrees", async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 640 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        // The 401 of the wrong-token step is logged by Chromium itself; anything else (e.g. a CSP violation) counts.
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      const dialogs: string[] = [];
      page.on("dialog", async (dialog) => {
        dialogs.push(dialog.message());
        await dialog.accept();
      });

      await page.goto(`${server.url}/admin/`);
      await expect.poll(() => page.textContent("#error")).toContain("Enter the admin token");

      // A wrong token is reported plainly.
      await page.fill("#token", "not-the-token");
      await page.click("#use-token");
      await expect.poll(() => page.textContent("#error")).toContain("HTTP 401");

      await page.fill("#token", ADMIN_TOKEN);
      await page.click("#use-token");
      await page.waitForSelector(`tr[data-id="${seeded.apply.id}"]`);
      expect(await page.textContent("#error")).toBe("");
      expect(await page.locator("#updates tr").count()).toBe(5);
      expect(await page.evaluate("sessionStorage.getItem('driftAdminToken')")).toBe(ADMIN_TOKEN);

      // Moved tags stand out; SHAs short with the full one on hover; the tag is shown.
      const moved = page.locator(`tr[data-id="${seeded.moved.id}"]`);
      expect(await moved.getAttribute("class")).toBe("suspicious");
      expect(await moved.locator(".kind").textContent()).toContain("tag moved");
      expect(await moved.locator(".sha-latest").textContent()).toBe(seeded.moved.latest_sha.slice(0, 7));
      expect(await moved.locator(".sha-latest").getAttribute("title")).toBe(seeded.moved.latest_sha);
      expect(await moved.textContent()).toContain("v2.0.0");
      expect(await page.locator(`tr[data-id="${seeded.dismiss.id}"]`).getAttribute("class")).toBeNull();

      // Untrusted text is text: no element is created from it, no script runs.
      const hostile = page.locator(`tr[data-id="${seeded.hostile.id}"]`);
      expect(await hostile.textContent()).toContain('<img src=x onerror="document.title=');
      expect(await page.locator("#updates img").count()).toBe(0);
      expect(await page.title()).not.toBe("pwned");

      await page.locator(`tr[data-id="${seeded.apply.id}"] button.apply`).click();
      await expect.poll(() => page.textContent("#status")).toContain("Applied deploy-helper (applied)");
      expect(dialogs).toEqual([expect.stringContaining("tag of deploy-helper was moved")]);
      await page.locator(`tr[data-id="${seeded.dismiss.id}"] button.dismiss`).click();
      await expect.poll(() => page.textContent("#status")).toContain("Dismissed linter (dismissed)");
      await expect.poll(() => page.locator("#updates tr").count()).toBe(3);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}admin.png`, fullPage: true });
      expect(problems).toEqual([]);

      const rows = await db.sql<{ id: string; status: string }[]>`SELECT id, status FROM plugin_update_queue`;
      const statusOf = Object.fromEntries(rows.map((r) => [r.id, r.status]));
      expect(statusOf[seeded.apply.id]).toBe("applied");
      expect(statusOf[seeded.dismiss.id]).toBe("dismissed");
      for (const key of ["keep", "moved", "hostile"] as const)
        expect(statusOf[seeded[key].id]).toBe("pending");
      const [plugin] = await db.sql`SELECT installed_sha FROM workspace_plugins
        WHERE workspace_id = ${seeded.apply.workspace_id} AND plugin_name = ${seeded.apply.plugin_name}`;
      expect(plugin?.installed_sha).toBe(seeded.apply.latest_sha);
      const [untouched] = await db.sql`SELECT installed_sha FROM workspace_plugins
        WHERE workspace_id = ${seeded.dismiss.workspace_id} AND plugin_name = ${seeded.dismiss.plugin_name}`;
      expect(untouched?.installed_sha).toBe(seeded.dismiss.current_sha);
      expect(logger.text()).toContain("event plugin.update.applied");
      expect(logger.text()).not.toContain(ADMIN_TOKEN);
      await page.close();
    });
  },
);
