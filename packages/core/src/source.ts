import { hasControlCharacter, invalid, ok, type Parsed, preview, skipped } from "./parse-result";

/** Which API family resolves a source. */
export type Provider = "github" | "gitea";

/** An upstream git repository a plugin was installed from. */
export interface Source {
  readonly provider: Provider;
  /** `github` for github.com / the configured GitHub Enterprise Server; the hostname (lower case) for Gitea. */
  readonly host: string;
  readonly owner: string;
  readonly repo: string;
}

const MAX_SOURCE_LENGTH = 2048;
// GitHub/Gitea owner and repository names: letters, digits, '-', '_', '.'; never '.' or '..' alone.
const NAME = /^[A-Za-z0-9_.-]{1,100}$/;
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:[0-9]{1,5})?$/;

function validName(name: string): boolean {
  return NAME.test(name) && name !== "." && name !== "..";
}

function ownerRepo(provider: Provider, host: string, path: string, raw: string): Parsed<Source> {
  const parts = path.split("/");
  if (parts.length !== 2) return invalid(`expected OWNER/REPO in ${JSON.stringify(preview(raw))}`);
  const [owner = "", repoPart = ""] = parts;
  const repo = /\.git$/i.test(repoPart) ? repoPart.slice(0, -4) : repoPart;
  if (!validName(owner) || !validName(repo)) {
    return invalid(`bad owner or repository name in ${JSON.stringify(preview(raw))}`);
  }
  return ok({ provider, host, owner, repo });
}

/**
 * Parses `source_raw` as the platform defines it (docs/contracts.md).
 *
 * @example
 * parseSource("github://acme/lint-plugin#v1.2.0") // ok: github acme/lint-plugin
 * parseSource("local://my-plugin")                // skipped: no upstream
 * parseSource("ftp://x")                          // invalid
 */
export function parseSource(raw: string | null | undefined): Parsed<Source> {
  if (raw == null) return invalid("source is missing");
  if (raw.length > MAX_SOURCE_LENGTH) return invalid(`source is too long (${raw.length} chars)`);
  const text = raw.trim();
  if (text === "") return invalid("source is empty");
  if (hasControlCharacter(text))
    return invalid(`source contains control characters: ${JSON.stringify(preview(text))}`);
  // The fragment is only the install-time ref; tracked_ref decides what is followed.
  const hash = text.indexOf("#");
  const base = hash === -1 ? text : text.slice(0, hash);

  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(base);
  if (!scheme) {
    // A bare name (no scheme, any letters) is a local plugin: nothing upstream to follow. Something that looks
    // like a path escape or another URL form is not a name.
    if (base !== "" && !base.includes(":") && !base.includes("..") && !base.startsWith("/")) {
      return skipped("local plugin (bare name): no upstream");
    }
    return invalid(`unrecognised source ${JSON.stringify(preview(text))}`);
  }
  if (/\s/.test(text)) return invalid(`source contains whitespace: ${JSON.stringify(preview(text))}`);
  const kind = (scheme[1] ?? "").toLowerCase();
  const rest = scheme[2] ?? "";
  switch (kind) {
    case "local":
      return skipped("local plugin: no upstream");
    case "github":
      return ownerRepo("github", "github", rest.replace(/\/$/, ""), text);
    case "https": {
      const m = /^(?:www\.)?github\.com\/(.*)$/i.exec(rest);
      if (!m)
        return invalid(`only https://github.com/OWNER/REPO is accepted: ${JSON.stringify(preview(text))}`);
      return ownerRepo("github", "github", (m[1] ?? "").replace(/\/$/, ""), text);
    }
    case "gitea": {
      const slash = rest.indexOf("/");
      if (slash <= 0) return invalid(`expected gitea://HOST/OWNER/REPO in ${JSON.stringify(preview(text))}`);
      const host = rest.slice(0, slash).toLowerCase();
      if (!HOSTNAME.test(host)) return invalid(`bad gitea host in ${JSON.stringify(preview(text))}`);
      return ownerRepo("gitea", host, rest.slice(slash + 1).replace(/\/$/, ""), text);
    }
    default:
      return invalid(`unknown source scheme ${JSON.stringify(preview(kind, 20))}://`);
  }
}
