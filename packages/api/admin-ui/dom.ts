import { displayText, elapsedText } from "../../core/src/display";

/** DOM helpers of the admin page: every piece of data becomes text (textContent), never HTML. */

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} missing`);
  return found as T;
};

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}

/**
 * A value as text: hidden and bidirectional characters shown as `\uXXXX` (isolated, so they cannot reorder the
 * line around them), shortened to `max` characters with a button that shows the whole value on demand.
 */
export function value(raw: string | null | undefined, max = 60, fallback = "unknown"): HTMLElement {
  if (raw === null || raw === undefined || raw === "") return el("span", { class: "val muted" }, fallback);
  const d = displayText(raw, max);
  const span = el("span", { class: d.suspicious ? "val hidden-chars" : "val", dir: "ltr" }, d.text);
  if (d.suspicious) span.title = "contains hidden or bidirectional characters (shown as \\u escapes)";
  if (!d.truncated) return span;
  const wrap = el("span", { class: "long" }, span);
  const more = el(
    "button",
    { type: "button", class: "more", "aria-expanded": "false" },
    `show all (${d.length} characters)`,
  );
  more.addEventListener("click", () => {
    const open = more.getAttribute("aria-expanded") === "true";
    span.textContent = open ? d.text : d.full;
    span.classList.toggle("full", !open);
    // The expanded value scrolls: reachable by keyboard.
    if (open) span.removeAttribute("tabindex");
    else span.setAttribute("tabindex", "0");
    more.setAttribute("aria-expanded", String(!open));
    more.textContent = open ? `show all (${d.length} characters)` : "show less";
  });
  wrap.append(more);
  return wrap;
}

/** The accessible, plain-text name of a value (for aria-labels): escaped and short. */
export const plain = (raw: string | null | undefined, max = 40): string =>
  raw ? displayText(raw, max).text : "unknown";

/** A link only for http(s) addresses from the API (never javascript: or data:). */
export function link(href: string | null | undefined, text: string, label?: string): HTMLElement {
  let ok = false;
  try {
    ok = !!href && ["http:", "https:"].includes(new URL(href).protocol);
  } catch {
    ok = false;
  }
  if (!ok || !href) return el("span", { class: "muted" }, `${text}: unknown`);
  const a = el("a", { href, rel: "noopener noreferrer", target: "_blank" }, text);
  if (label) a.setAttribute("aria-label", label);
  return a;
}

/** "3 days", "5 hours", "12 minutes". */
export function since(iso: string | null): string {
  return iso ? elapsedText(Date.now() - Date.parse(iso)) : "unknown";
}
