/**
 * The security settings every runtime reads at start (`drift serve`, the Lambda runtime config, the deploy-time
 * check in infra/stage.ts), parsed by ONE set of pure functions so that no runtime is laxer than another. A bad
 * value throws {@link SettingError}, whose message names the variable: the runtime refuses to start.
 */

/** A setting that cannot be used; `variable` names the environment variable. */
export class SettingError extends Error {
  override name = "SettingError";
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
  }
}

/** Hosts a browser page may be served from over plain http during local use. */
const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** An operator's value in a message: quoted, length-capped, control characters escaped by JSON. */
const quoted = (text: string) => JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);

function parseUrl(text: string) {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function checkOrigin(entry: string, variable: string): string {
  const wildcard = entry === "*" || entry.toLowerCase() === "null";
  if (wildcard) {
    throw new SettingError(
      variable,
      `${quoted(entry)} is not allowed: list the exact origins of the admin UI (e.g. https://admin.example.com)`,
    );
  }
  const url = parseUrl(entry);
  if (!url) {
    throw new SettingError(variable, `${quoted(entry)} is not an origin like https://admin.example.com`);
  }
  const local = url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== "https:" && !local) {
    throw new SettingError(
      variable,
      `${quoted(entry)} must use https:// (plain http only for localhost or 127.0.0.1)`,
    );
  }
  // Browsers send the origin in one canonical form; anything else (path, query, default port, upper case,
  // user info) would never match and silently block the admin UI.
  if (url.origin !== entry) {
    throw new SettingError(
      variable,
      `${quoted(entry)} is not an exact origin (no path, query or trailing slash); did you mean ${quoted(url.origin)}?`,
    );
  }
  return entry;
}

/**
 * Parses `DRIFT_CORS_ORIGINS`: comma-separated exact origins, `https://` only (`http://localhost…`,
 * `http://127.0.0.1…` and `http://[::1]…` allowed for local use); never `*` or `null`; no path or query.
 * Unset or empty: no browser origin is allowed (same-origin page only). Duplicates are dropped.
 *
 * @throws {SettingError} for the first entry that is not such an origin.
 * @example
 * parseCorsOrigins("https://admin.example.com, http://localhost:5173"); // both, in order
 */
export function parseCorsOrigins(
  value: string | undefined,
  variable = "DRIFT_CORS_ORIGINS",
): readonly string[] {
  const entries = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  return [...new Set(entries.map((entry) => checkOrigin(entry, variable)))];
}

/** How the admin API authenticates (see @drift/api `AdminAuth`). */
export type AdminAuthMode = "bearer" | "iam";

/**
 * Parses `DRIFT_ADMIN_AUTH`: `bearer` (default when unset or empty) or `iam`. A typo never falls back silently.
 *
 * @throws {SettingError} for any other value.
 */
export function parseAdminAuthMode(value: string | undefined, variable = "DRIFT_ADMIN_AUTH"): AdminAuthMode {
  const mode = value?.trim() || "bearer";
  if (mode === "bearer" || mode === "iam") return mode;
  throw new SettingError(variable, `must be bearer or iam, got ${quoted(mode)}`);
}

/**
 * Checks a bearer token given by environment (`ADMIN_TOKEN` of `drift serve`): set, and only visible ASCII, since
 * an `Authorization: Bearer …` header could never carry anything else (the API would refuse every request).
 *
 * @throws {SettingError} when unset, empty or not visible ASCII. The message never shows the token.
 */
export function parseAdminToken(value: string | undefined, variable = "ADMIN_TOKEN"): string {
  if (!value) throw new SettingError(variable, "is not set");
  if (!/^[\x21-\x7e]+$/.test(value)) {
    throw new SettingError(variable, "must be visible ASCII characters without spaces");
  }
  return value;
}

/**
 * Reads a webhook HMAC secret given by environment (`GITHUB_WEBHOOK_SECRET`, `GITEA_WEBHOOK_SECRET` of
 * `drift serve`): trimmed like the Lambda's Secrets Manager JSON; unset or blank leaves the route unset (403).
 *
 * @throws {SettingError} for a control character (a pasted line break would make every signature fail). The
 *   message never shows the secret.
 */
export function parseWebhookSecret(value: string | undefined, variable: string): string | undefined {
  const secret = value?.trim();
  if (!secret) return undefined;
  if (/\p{Cc}/u.test(secret)) throw new SettingError(variable, "must not contain control characters");
  return secret;
}
