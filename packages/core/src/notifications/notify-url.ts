import { URL } from "node:url";
import ipaddr from "ipaddr.js";

/**
 * Which receiver addresses a notification may go to (CONTRACT "notifications"): https only, and never a loopback,
 * private, link-local or metadata address, checked on the URL and again on every address its name resolves to.
 * `allowLoopback` (DRIFT_NOTIFY_ALLOW_LOOPBACK=1: local runs and tests only) admits http://127.0.0.1:PORT,
 * http://localhost:PORT and loopback addresses, nothing else.
 */

const METADATA = new Set(["169.254.169.254", "fd00:ec2::254", "100.100.100.200"]);
const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

const RANGE_WORDS: Record<string, string> = {
  loopback: "loopback",
  private: "private",
  uniqueLocal: "private",
  linkLocal: "link-local",
  carrierGradeNat: "shared (carrier-grade NAT)",
  unspecified: "unspecified",
  multicast: "multicast",
  broadcast: "broadcast",
};

/**
 * Why an IP address is refused as a receiver, or null when it is a public unicast address (or loopback while
 * allowed).
 *
 * @example
 * addressRefusal("10.0.0.1", false) // "resolves to a private address (10.0.0.1)"
 */
export function addressRefusal(address: string, allowLoopback: boolean): string | null {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.process(address); // IPv4-mapped IPv6 is judged as the IPv4 address it is
  } catch {
    return `resolves to something that is not an IP address (${address})`;
  }
  const text = parsed.toString();
  if (METADATA.has(text)) return `resolves to the cloud metadata address (${text})`;
  const range = parsed.range();
  if (range === "unicast") return null;
  if (range === "loopback" && allowLoopback) return null;
  return `resolves to a ${RANGE_WORDS[range] ?? `reserved (${range})`} address (${text})`;
}

/** The outcome of checking a URL's form (before any DNS lookup). */
export type UrlShape =
  | { readonly ok: true; readonly url: URL; readonly literal: string | null }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a receiver URL's form: https (http only for a loopback host while allowed), no credentials, a host; an IP
 * literal host is judged here (a name is judged after resolution, on every address, by the caller).
 */
export function checkUrlShape(text: string, allowLoopback: boolean): UrlShape {
  if (text.length > 2048) return { ok: false, reason: "is longer than 2048 characters" };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "is not a URL" };
  }
  const loopbackHttp = allowLoopback && url.protocol === "http:" && LOOPBACK_NAMES.has(url.hostname);
  if (url.protocol !== "https:" && !loopbackHttp) {
    return {
      ok: false,
      reason: allowLoopback ? "must be https (http only to 127.0.0.1 or localhost)" : "must be https",
    };
  }
  if (url.username || url.password) return { ok: false, reason: "must not carry a user name or password" };
  if (!url.hostname) return { ok: false, reason: "has no host" };
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (!ipaddr.isValid(host)) return { ok: true, url, literal: null };
  const refusal = addressRefusal(host, allowLoopback);
  return refusal
    ? { ok: false, reason: refusal.replace(/^resolves to/, "is") }
    : { ok: true, url, literal: host };
}
