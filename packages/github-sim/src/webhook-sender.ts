import {
  pushPayload,
  refEventPayload,
  releasePayload,
  signedDelivery,
  type WebhookFlavour,
} from "./webhook-payloads";
import type { World, WorldChange } from "./world";

export interface WebhookSenderOptions {
  /** Where to POST, e.g. `http://127.0.0.1:8787/webhooks/github`. */
  readonly url: string;
  readonly secret: string;
  readonly flavour: WebhookFlavour;
  /** The web base of repositories (`html_url`): the simulator's URL; for Gitea its host names the source host. */
  readonly webBase: string;
}

/** What one delivery got back. */
export interface SentDelivery {
  readonly event: string;
  readonly deliveryId: string;
  readonly status: number;
  readonly body: string;
}

/** The deliveries a host sends for one change (GitHub sends `create` and `push` for a new branch or tag). */
function deliveriesFor(
  change: WorldChange,
  webBase: string,
  flavour: WebhookFlavour,
): { event: string; payload: unknown }[] {
  if (change.kind === "release") {
    return [{ event: "release", payload: releasePayload(change.repo, webBase, change.tag) }];
  }
  const prefix = change.kind === "branch" ? "refs/heads/" : "refs/tags/";
  const push = {
    event: "push",
    payload: pushPayload(
      change.repo,
      webBase,
      `${prefix}${change.name}`,
      change.before,
      change.after,
      flavour,
    ),
  };
  if (change.before === null) {
    return [
      { event: "create", payload: refEventPayload(change.repo, webBase, change.kind, change.name) },
      push,
    ];
  }
  if (change.after === null) {
    return [
      { event: "delete", payload: refEventPayload(change.repo, webBase, change.kind, change.name) },
      push,
    ];
  }
  return [push];
}

/**
 * Sends signed webhooks (real payload shapes) to a URL whenever the simulated world changes, one at a time and in
 * order, like a host's delivery queue. Failures are recorded, never thrown (a host does not stop on them either).
 *
 * @example
 * const sender = startWebhookSender(sim.world, { url, secret, flavour: "github", webBase: sim.url });
 * sim.world.commit("acme/lint", "main");
 * await sender.idle();
 */
export function startWebhookSender(world: World, options: WebhookSenderOptions) {
  const sent: SentDelivery[] = [];
  let chain: Promise<void> = Promise.resolve();
  const post = async (event: string, payload: unknown) => {
    const delivery = signedDelivery(options.flavour, options.secret, event, payload);
    try {
      const response = await fetch(options.url, {
        method: "POST",
        headers: delivery.headers,
        body: delivery.body,
      });
      sent.push({
        event,
        deliveryId: delivery.deliveryId,
        status: response.status,
        body: await response.text(),
      });
    } catch (error) {
      sent.push({ event, deliveryId: delivery.deliveryId, status: 0, body: String(error) });
    }
  };
  const unsubscribe = world.onChange((change) => {
    for (const d of deliveriesFor(change, options.webBase, options.flavour))
      chain = chain.then(() => post(d.event, d.payload));
  });
  return {
    /** Every delivery so far, in order. */
    sent,
    /** Resolves when every delivery triggered so far has been answered. */
    idle: () => chain,
    stop(): void {
      unsubscribe();
    },
  };
}

export type WebhookSender = ReturnType<typeof startWebhookSender>;
