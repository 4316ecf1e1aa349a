import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type AdminServer, startAdminServer } from "@drift/api/node-server";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServeApp } from "../../packages/local/src/commands/serve";
import { ADMIN_TOKEN, captureLogger, type SeededUpdate, seedUpdate } from "../support/api";
import { createTestDb, dbLabel, type TestDb } from "../support/db";
import { sha } from "../support/seed";

const CHROMIUM = process.env.DRIFT_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const hasChromium = existsSync(CHROMIUM);
const required = process.env.DRIFT_REQUIRE_BROWSER === "1";
const skipReason = `SKIPPED: ${CHROMIUM} not found (install it with: apt-get install -y chromium; CI installs it)`;
if (!hasChromium && !required) console.warn(`browser-admin: ${skipReason}`);

const BIDI_NAME = "lint\u202Egnp.exe\u200F\u2066rtl #5";
const LONG_NAME = `long-${"x".repeat(18_000)}`;
const KEY = "github:github/acme/fleet#tag:latest";

let db: TestDb;
let server: AdminServer;
let browser: Browser;
const logger = captureLogger();
const fleet: SeededUpdate[] = [];
const seeded = {} as Record<"moved" | "linter" | "bidi" | "long" | "html" | "downgrade", SeededUpdate>;

async function seedWorld(): Promise<void> {
  const [cur, next] = [sha("fleet-cur"), sha("fleet-next")];
  const at = (day: number) => new Date(Date.now() - day * 86_400_000);
  for (let i = 0; i < 40; i++)
    fleet.push(
      await seedUpdate(db.sql, {
        plugin_name: "fleet",
        current_sha: cur,
        latest_sha: next,
        resolved_tag: "v1.1.0",
        created_at: at(3),
      }),
    );
  await db.sql`UPDATE plugin_update_queue SET target_key = ${KEY}, source_raw = 'github://acme/fleet' WHERE plugin_name = 'fleet'`;
  await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
    VALUES (${KEY}, 'github', 'github', 'acme', 'fleet', 'tag:latest')`;
  await db.sql`INSERT INTO drift_review_packets (target_key, latest_sha, repo_url, to_version, committed_at, signature, release, status)
    VALUES (${KEY}, ${next}, 'https://github.com/acme/fleet', 'v1.1.0', now() - interval '4 days', 'valid',
      ${db.sql.json({ tag: "v1.1.0", name: "Fleet 1.1", url: "https://github.com/acme/fleet/releases/tag/v1.1.0", published_at: "2026-01-01T00:00:00Z", prerelease: false, notes: "Faster <script>alert(1)</script> linting" })}, 'complete')`;
  await db.sql`INSERT INTO drift_review_compares (target_key, current_sha, latest_sha, from_version, commits_ahead, related, status)
    VALUES (${KEY}, ${cur}, ${next}, 'v1.0.0', 7, true, 'complete')`;
  seeded.moved = await seedUpdate(db.sql, {
    plugin_name: "secrets-scanner",
    drift_kind: "tag_moved",
    tracked_ref: "tag:v2.0.0",
    created_at: at(1),
  });
  seeded.linter = await seedUpdate(db.sql, {
    plugin_name: "linter",
    tracked_ref: "semver:^1.4",
    resolved_tag: "v1.6.0",
    created_at: at(2),
  });
  seeded.bidi = await seedUpdate(db.sql, { plugin_name: BIDI_NAME, created_at: at(2) });
  seeded.long = await seedUpdate(db.sql, { plugin_name: LONG_NAME, created_at: at(2) });
  seeded.html = await seedUpdate(db.sql, {
    plugin_name: "<img src=x onerror=\"document.title='pwned'\">",
    created_at: at(2),
  });
  // Younger than a minimum release age: its card says until when it cools down.
  await db.sql`UPDATE plugin_update_queue SET ready_at = '2999-01-01T00:00:00Z' WHERE id = ${seeded.html.id}`;
  // An immutable release installed, an unsigned version without one proposed: a trust downgrade.
  seeded.downgrade = await seedUpdate(db.sql, {
    plugin_name: "signer",
    resolved_tag: "v2.0.1",
    created_at: at(2),
  });
  const down = "github:github/acme/signer#tag:latest";
  await db.sql`UPDATE plugin_update_queue SET target_key = ${down} WHERE id = ${seeded.downgrade.id}`;
  const packet = (sha: string, signature: string, immutable: boolean) => db.sql`
    INSERT INTO drift_review_packets (target_key, latest_sha, to_version, committed_at, tagged_at, signature, release,
      status)
    VALUES (${down}, ${sha}, 'v2', '2024-05-01T00:00:00Z', '2024-05-02T00:00:00Z', ${signature},
      ${immutable ? db.sql.json({ tag: "v2.0.0", name: null, url: null, published_at: null, prerelease: false, immutable }) : null},
      'complete')`;
  await packet(seeded.downgrade.current_sha, "unsigned", true);
  await packet(seeded.downgrade.latest_sha, "unsigned", false);
  // An unsigned commit under a validly signed annotated tag: signed, and the card says through what.
  const linter = "github:github/acme/linter#semver:^1.4";
  await db.sql`UPDATE plugin_update_queue SET target_key = ${linter} WHERE id = ${seeded.linter.id}`;
  await db.sql`
    INSERT INTO drift_review_packets (target_key, latest_sha, signature, tag_signature, status, packet_version)
    VALUES (${linter}, ${seeded.linter.latest_sha}, 'unsigned', 'valid', 'complete', 2)`;
}

const card = (page: Page, id: string) => page.locator(`article[data-ids="${id}"]`);

describe.skipIf(!hasChromium && !required)(
  `admin page in Chromium (${dbLabel})${hasChromium ? "" : ` ${skipReason}`}`,
  () => {
    beforeAll(async () => {
      if (!hasChromium) throw new Error(`DRIFT_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
      db = await createTestDb();
      await seedWorld();
      server = await startAdminServer(createServeApp(db.sql, { ADMIN_TOKEN }, logger), { port: 0 });
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

    it("decides a group of 40 in one action, dismisses with a reason, shows hostile text truthfully", async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const problems: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(e.message));
      await page.goto(`${server.url}/admin/`);
      await expect.poll(() => page.textContent("#error")).toContain("Enter the admin token");
      await page.fill("#token", ADMIN_TOKEN);
      await page.click("#use-token");
      await page.waitForSelector(`article[data-ids="${fleet[0]?.id}"]`);

      // Moved tags first and unmistakable; the group of 40 is one line with its review packet.
      const first = page.locator("#list article").first();
      expect(await first.getAttribute("data-ids")).toBe(seeded.moved.id);
      expect(await first.getAttribute("class")).toContain("suspicious");
      expect(await first.locator(".kind").textContent()).toBe("⚠ TAG MOVED");
      const group = card(page, fleet[0]?.id as string);
      const text = (await group.textContent()) ?? "";
      for (const part of [
        "acme/fleet",
        "v1.0.0",
        "v1.1.0",
        "7 commits ahead",
        "signature: valid",
        "40 workspaces",
        "pending 3 days",
        "minor update",
        "released 2026-01-01",
      ])
        expect(text).toContain(part);
      expect(text).toContain("<script>alert(1)</script>");
      expect(await group.locator('a[href="https://github.com/acme/fleet/releases/tag/v1.1.0"]').count()).toBe(
        1,
      );
      expect(await group.locator("a", { hasText: "compare" }).getAttribute("href")).toContain(
        "/acme/fleet/compare/",
      );

      // Hostile text is text: bidi controls shown as escapes and flagged; the 18,000-character name is cut and
      // keeps its card small, the whole value on demand; no element injected, no script run.
      // What a version is vouched for by; a trust downgrade flagged like a moved tag; the author's dates labelled.
      const down = card(page, seeded.downgrade.id);
      expect(await down.getAttribute("class")).toContain("suspicious");
      expect(await down.locator(".trust-downgrade").textContent()).toBe("⚠ TRUST DOWNGRADE");
      expect(await down.locator(".trust").textContent()).toBe("trust: none");
      expect(await down.locator(".authored").textContent()).toBe(
        "author's date: tagged 2024-05-02T00:00:00Z",
      );
      expect(await group.locator(".trust").textContent()).toBe("trust: signed");
      expect(await card(page, seeded.linter.id).locator(".trust").textContent()).toBe(
        "trust: signed (annotated tag)",
      );
      expect(await group.locator(".trust-downgrade").count()).toBe(0);
      expect(await card(page, seeded.html.id).locator(".cooling").textContent()).toBe(
        "cooling down until 2999-01-01T00:00:00Z",
      );
      expect(await first.locator(".cooling").count()).toBe(0);
      const bidi = card(page, seeded.bidi.id);
      expect(await bidi.textContent()).toContain("lint\\u202Egnp.exe\\u200F\\u2066rtl #5");
      expect(await bidi.getAttribute("class")).toContain("suspicious");
      expect(await bidi.textContent()).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200F]/);
      const long = card(page, seeded.long.id);
      expect((await long.boundingBox())?.height).toBeLessThan(400);
      expect(await page.locator("#list img").count()).toBe(0);
      expect(await page.title()).not.toBe("pwned");

      // The moved tag asks first; Escape cancels (keyboard), nothing is decided.
      await first.locator("button.apply").click();
      await expect.poll(() => page.locator("#decide-warning").textContent()).toContain("MOVED");
      await page.keyboard.press("Escape");
      expect(await page.locator("dialog#decide[open]").count()).toBe(0);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}admin-1280-before.png`, fullPage: true });
      // One action decides the whole group of 40.
      await group.locator("button.apply").click();
      await expect
        .poll(async () => `${await page.textContent("#status")}|${await page.textContent("#error")}`, {
          timeout: 30_000,
        })
        .toContain("Applied: 40 of 40 decided");
      // Dismiss with a reason, holding 7 days.
      await card(page, seeded.linter.id).locator("button.dismiss").click();
      await page.fill("#decide-reason", "waiting for 1.7: breaks our config");
      await page.selectOption("#decide-until", "7d");
      await page.click("#decide-ok");
      await expect
        .poll(() => page.textContent("#status"), { timeout: 15_000 })
        .toContain("Dismissed: 1 of 1 decided");

      const rows = await db.sql<
        {
          id: string;
          status: string;
          decided_by: string | null;
          decision_reason: string | null;
          hold_until: Date | null;
        }[]
      >`
        SELECT id, status, decided_by, decision_reason, hold_until FROM plugin_update_queue`;
      const by = new Map(rows.map((r) => [r.id, r]));
      for (const f of fleet) expect(by.get(f.id)).toMatchObject({ status: "applied", decided_by: "token" });
      expect(by.get(seeded.linter.id)).toMatchObject({
        status: "dismissed",
        decision_reason: "waiting for 1.7: breaks our config",
      });
      const days = ((by.get(seeded.linter.id)?.hold_until?.getTime() ?? 0) - Date.now()) / 86_400_000;
      expect(Math.round(days)).toBe(7);
      expect(by.get(seeded.moved.id)?.status).toBe("pending");
      const [installed] = await db.sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM workspace_plugins WHERE plugin_name = 'fleet' AND installed_sha = ${sha("fleet-next")}`;
      expect(installed?.n).toBe(40);

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: `${ARTIFACTS}admin-1280.png`, fullPage: true });
      await page.click("[data-tab=history]");
      await expect.poll(() => page.textContent("#list")).toContain("waiting for 1.7");
      await page.screenshot({ path: `${ARTIFACTS}admin-history-1280.png`, fullPage: true });
      expect(problems).toEqual([]);
      await page.close();
    });

    it("is usable at 400 px, keeps its layout with hostile rows, and axe finds no serious violation", async () => {
      // bypassCSP only so that axe can be injected; the page itself is the same.
      const context = await browser.newContext({ viewport: { width: 400, height: 900 }, bypassCSP: true });
      const page = await context.newPage();
      await page.goto(`${server.url}/admin/`);
      await page.evaluate(`sessionStorage.setItem("driftAdminToken", ${JSON.stringify(ADMIN_TOKEN)})`);
      await page.reload();
      await page.waitForSelector(`article[data-ids="${seeded.long.id}"]`);
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(400);
      const long = page.locator(`article[data-ids="${seeded.long.id}"]`);
      const button = long.locator("h2 button.more");
      await button.click();
      expect(await button.getAttribute("aria-expanded")).toBe("true");
      expect(await long.textContent()).toContain("x".repeat(18_000));
      expect((await long.boundingBox())?.height).toBeLessThan(900);
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(400);
      await page.screenshot({ path: `${ARTIFACTS}admin-400.png`, fullPage: true });
      // Buttons are named for their row.
      const label = await page
        .locator(`article[data-ids="${seeded.moved.id}"] button.apply`)
        .getAttribute("aria-label");
      expect(label).toContain("tag:v2.0.0");
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const axe = (
          globalThis as unknown as {
            axe: { run: () => Promise<{ violations: { id: string; impact: string }[] }> };
          }
        ).axe;
        return (await axe.run()).violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          nodes: (v as unknown as { nodes: { html: string }[] }).nodes
            .slice(0, 2)
            .map((n) => n.html.slice(0, 200)),
        }));
      });
      expect(violations.filter((v) => v.impact === "serious" || v.impact === "critical")).toEqual([]);
      await context.close();
    });

    it("tabs (arrow keys), counts, policies, integrity, re-check now, deep links, notes as lines", async () => {
      const notesKey = "github:github.com/acme/notes#tag:latest";
      const failingKey = "github:github.com/acme/broken#branch:main";
      const noted = await seedUpdate(db.sql, { plugin_name: "noted", resolved_tag: "v3.0.0" });
      await db.sql`UPDATE plugin_update_queue SET target_key = ${notesKey} WHERE id = ${noted.id}`;
      await db.sql`INSERT INTO drift_targets (key, provider, host, owner, repo, tracked_ref)
        VALUES (${notesKey}, 'github', 'github.com', 'acme', 'notes', 'tag:latest'),
               (${failingKey}, 'github', 'github.com', 'acme', 'broken', 'branch:main')`;
      await db.sql`UPDATE drift_targets SET last_error_kind = 'not_found', consecutive_failures = 4,
        last_error = 'repository not found', next_check_at = now() + interval '6 hours' WHERE key = ${failingKey}`;
      await db.sql`INSERT INTO drift_review_packets (target_key, latest_sha, to_version, release, status)
        VALUES (${notesKey}, ${noted.latest_sha}, 'v3.0.0', ${db.sql.json({ tag: "v3.0.0", name: "Notes 3", url: null, published_at: "2026-02-01T00:00:00Z", prerelease: false, notes: "First line\nSecond line \u202Eevil" })}, 'complete')`;
      // Through the API, so the decision log holds the policy action the history tab shows.
      const policy = await fetch(`${server.url}/admin/policies`, {
        method: "PUT",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ auto_apply: "patch", min_release_age: "72h" }),
      });
      expect(policy.status).toBe(201);
      await db.sql`INSERT INTO drift_integrity_events (kind, repo_key, tag, previous_sha, new_sha)
        VALUES ('tag_repointed', 'github:github.com/acme/fleet', 'v1.0.0', ${sha("a")}, ${sha("b")})`;

      for (const width of [1280, 400]) {
        const context = await browser.newContext({ viewport: { width, height: 900 }, bypassCSP: true });
        const page = await context.newPage();
        await page.goto(`${server.url}/admin/`);
        await page.evaluate(`sessionStorage.setItem("driftAdminToken", ${JSON.stringify(ADMIN_TOKEN)})`);
        // A deep link: the tab and a filter matching part of a repository name come from the URL.
        await page.goto(`${server.url}/admin/?tab=pending&repository=note`);
        await page.waitForSelector(`article[data-ids="${noted.id}"]`);
        expect(await page.locator("#list article").count()).toBe(1);
        expect(await page.inputValue("input[name=repository]")).toBe("note");
        // Notes keep their lines; the bidi character is still escaped and flagged.
        const notes = page.locator(`article[data-ids="${noted.id}"] .notes .val`);
        // innerText, not textContent: what is rendered, so the line break must be laid out as one.
        // biome-ignore lint/performance/useDomNodeTextContent: the rendered lines are what is tested
        expect(await notes.innerText()).toBe("First line\nSecond line \\u202Eevil");
        expect(await notes.getAttribute("class")).toContain("hidden-chars");
        expect(await page.textContent("#counts")).toMatch(
          /Pending: \d+ updates? in \d+ workspaces?.*Failing targets: 1\. Integrity events: 1\./,
        );

        // WAI-ARIA tabs: the selected tab is the one in the tab order; arrows move and select, End, Home.
        const selected = () => page.getAttribute("[role=tab][aria-selected=true]", "data-tab");
        await page.focus("[role=tab][aria-selected=true]");
        await page.keyboard.press("ArrowRight");
        expect(await selected()).toBe("history");
        expect(
          await page.evaluate<string | null>("document.activeElement?.getAttribute('data-tab') ?? null"),
        ).toBe("history");
        await page.keyboard.press("ArrowRight");
        expect(await selected()).toBe("failing");
        expect(page.url()).toContain("tab=failing");
        expect(await page.getAttribute("#list", "aria-labelledby")).toBe("tab-failing");
        expect(await page.locator("[role=tab][tabindex='0']").count()).toBe(1);
        const failing = page.locator(`article[data-key="${failingKey}"]`);
        await failing.waitFor();
        if (width === 1280)
          await page.screenshot({ path: `${ARTIFACTS}admin-failing-1280.png`, fullPage: true });
        await failing.locator("button.recheck").click();
        await expect
          .poll(() => page.textContent("#status"))
          .toMatch(/acme\/broken branch:main (is due|queued)/);
        const [due] = await db.sql<{ due: boolean }[]>`
          SELECT next_check_at <= now() AS due FROM drift_targets WHERE key = ${failingKey}`;
        expect(due?.due).toBe(true);

        await page.keyboard.press("End");
        await page.focus("[role=tab][aria-selected=true]");
        await page.keyboard.press("End");
        expect(await selected()).toBe("notifications");
        await page.keyboard.press("ArrowLeft");
        expect(await selected()).toBe("integrity");
        await expect.poll(() => page.textContent("#list")).toContain("tag repointed");
        expect(await page.textContent("#list")).toContain("acme/fleet");
        expect(await page.textContent("#list")).not.toContain("github:");
        await page.keyboard.press("ArrowLeft");
        expect(await selected()).toBe("policies");
        await expect.poll(() => page.textContent("#list")).toContain("auto-apply: patch");
        await page.screenshot({ path: `${ARTIFACTS}admin-policies-${width}.png`, fullPage: true });
        await page.keyboard.press("Home");
        expect(await selected()).toBe("pending");
        expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(
          width,
        );

        // The history holds policy actions too: who, from → to.
        await page.goto(`${server.url}/admin/?tab=history`);
        const setCard = page.locator("article.control-policy").first();
        await setCard.waitFor();
        expect(await setCard.textContent()).toMatch(
          /policy set every workspace.*no policy → auto-apply patch, age 72h.*by token/,
        );
        await page.screenshot({ path: `${ARTIFACTS}admin-history-${width}.png`, fullPage: true });

        // A deep link to a tab opens it (the link an operator shares).
        await page.goto(`${server.url}/admin/?tab=integrity`);
        await expect.poll(() => selected()).toBe("integrity");
        await page.screenshot({ path: `${ARTIFACTS}admin-integrity-${width}.png`, fullPage: true });
        await page.addScriptTag({ path: AXE });
        const serious = await page.evaluate(async () => {
          const axe = (
            globalThis as unknown as {
              axe: { run: () => Promise<{ violations: { id: string; impact: string }[] }> };
            }
          ).axe;
          return (await axe.run()).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => v.id);
        });
        expect(serious).toEqual([]);
        await context.close();
      }
    });

    it("serves no inline script: the CSP allows only its own origin's bundle", async () => {
      const res = await fetch(`${server.url}/admin/`);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain("unsafe-inline");
      const html = await res.text();
      expect(html).not.toMatch(/<script>(?!<\/script>)/);
      expect(html).toContain('<script src="/admin/app.js" defer></script>');
      const js = await fetch(`${server.url}/admin/app.js`);
      expect(js.headers.get("content-type")).toContain("javascript");
      expect(randomUUID()).toBeTruthy();
    });
  },
);
