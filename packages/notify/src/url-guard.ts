import { lookup as dnsLookup } from "node:dns/promises";
import { addressRefusal, checkUrlShape } from "@drift/core";

/** Resolves a host name to every address it has (node:dns by default; tests inject one). */
export type LookupAll = (hostname: string) => Promise<readonly { address: string; family: number }[]>;

export const systemLookup: LookupAll = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Checks a receiver URL as it is saved and before every send (CONTRACT "notifications"): its form (https; http
 * only to a loopback host while `allowLoopback`), and every address its host name resolves to. The reason of a
 * refusal is one line starting with "url " (the API answers it as a 400).
 *
 * @example
 * await checkNotifyUrl("https://10.0.0.1/hook", { allowLoopback: false }) // { ok: false, reason: "url is a private address (10.0.0.1)" }
 */
export async function checkNotifyUrl(
  text: string,
  options: { allowLoopback: boolean; lookup?: LookupAll },
): Promise<{ ok: true; url: URL } | { ok: false; reason: string }> {
  const shape = checkUrlShape(text, options.allowLoopback);
  if (!shape.ok) return { ok: false, reason: `url ${shape.reason}` };
  if (shape.literal) return { ok: true, url: shape.url };
  let addresses: readonly { address: string }[];
  try {
    addresses = await (options.lookup ?? systemLookup)(shape.url.hostname);
  } catch (error) {
    const code = (error as { code?: string }).code ?? (error as Error).message;
    return { ok: false, reason: `url host ${shape.url.hostname} does not resolve (${code})` };
  }
  if (addresses.length === 0) return { ok: false, reason: `url host ${shape.url.hostname} has no address` };
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, options.allowLoopback);
    if (refusal) return { ok: false, reason: `url host ${shape.url.hostname} ${refusal}` };
  }
  return { ok: true, url: shape.url };
}
