import { api } from "./api";
import { el, since, value } from "./dom";

/**
 * The Notifications tab: each subscription (URL, format, events, digest, whether it has a secret; the secret is
 * never sent to the page), a button that sends a test message now and says what the receiver answered, and the
 * subscription's recent deliveries. Subscriptions are created with `drift notify set` or PUT /admin/notifications.
 */

interface Subscription {
  id: string;
  url: string;
  format: string;
  events: string[];
  digest: string | null;
  has_secret: boolean;
}
interface Delivery {
  id: string;
  kind: string;
  event_type: string | null;
  status: string;
  attempts: number;
  last_error: string | null;
  response_code: number | null;
  created_at: string;
}

type Report = (kind: "status" | "error", text: string) => Promise<void>;

function deliveryLine(d: Delivery): HTMLElement {
  const answer = d.response_code === null ? "" : `, answer ${d.response_code}`;
  return el(
    "li",
    {},
    `${d.status} · ${d.event_type ?? d.kind} · ${d.attempts} attempt(s)${answer} · ${since(d.created_at)} `,
    value(d.last_error, 120, ""),
  );
}

function card(s: Subscription, report: Report): HTMLElement {
  const log = el("ul", { class: "rows", hidden: "" });
  const test = el("button", { type: "button", class: "apply" }, "Send test message");
  test.addEventListener("click", async () => {
    test.setAttribute("disabled", "");
    try {
      const d = await api<Delivery>("POST", `/admin/notifications/${s.id}/test`);
      await (d.status === "sent"
        ? report("status", `Test message delivered (answer ${d.response_code}).`)
        : report("error", `Test message not delivered: ${d.last_error ?? d.status} (retried with backoff).`));
    } catch (error) {
      await report("error", (error as Error).message);
    }
  });
  const show = el("button", { type: "button" }, "Deliveries");
  show.addEventListener("click", async () => {
    try {
      const { items } = await api<{ items: Delivery[] }>("GET", `/admin/notifications/${s.id}/deliveries`);
      log.replaceChildren(
        ...(items.length ? items.slice(0, 20).map(deliveryLine) : [el("li", {}, "none yet")]),
      );
      log.hidden = false;
    } catch (error) {
      await report("error", (error as Error).message);
    }
  });
  return el(
    "article",
    { class: "group notification" },
    el("h2", {}, value(s.url, 80)),
    el(
      "ul",
      { class: "facts" },
      el("li", {}, el("span", { class: "kind" }, s.format)),
      el("li", {}, `events: ${s.events.join(", ")}`),
      el("li", {}, s.digest ? "daily digest" : "one message per event"),
      el("li", {}, s.has_secret ? "signed (secret set)" : "no secret"),
    ),
    el("div", { class: "actions" }, test, show),
    log,
  );
}

/** The subscriptions as cards (empty when there are none). */
export async function notificationCards(report: Report): Promise<HTMLElement[]> {
  const { items } = await api<{ items: Subscription[] }>("GET", "/admin/notifications");
  return items.map((s) => card(s, report));
}
