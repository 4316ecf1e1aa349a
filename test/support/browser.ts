/**
 * Chromium for the browser tests: Debian's package (never downloaded). Where it is missing the tests skip and
 * say why; CI sets DRIFT_REQUIRE_BROWSER=1, so there a missing browser fails instead of skipping.
 */
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";

export const CHROMIUM = process.env.DRIFT_CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots land here (git-ignored). */
export const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const hasChromium = existsSync(CHROMIUM);
const required = process.env.DRIFT_REQUIRE_BROWSER === "1";
const skipReason = `SKIPPED: ${CHROMIUM} not found (install it with: apt-get install -y chromium; CI installs it)`;

/** True when the browser tests must skip: no Chromium here and CI's requirement not set. */
export const skipBrowser = !hasChromium && !required;

/** The describe title, with the reason appended (and warned) when the tests skip. */
export function browserSuite(title: string): string {
  if (skipBrowser) console.warn(`${title}: ${skipReason}`);
  return hasChromium ? title : `${title} ${skipReason}`;
}

/** Launches headless Chromium with the flags this machine needs, and makes the screenshot folder. */
export async function launchChromium(): Promise<Browser> {
  if (!hasChromium) throw new Error(`DRIFT_REQUIRE_BROWSER=1 but ${CHROMIUM} is missing`);
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
  });
}
