import { createHmac, randomUUID } from "node:crypto";
import type { SimRepo } from "./world";

/** Which host's webhook dialect: GitHub (`X-GitHub-*`, `sha256=` signature) or Gitea/Forgejo (bare hex). */
export type WebhookFlavour = "github" | "gitea";

const ZERO = "0000000000000000000000000000000000000000";
const SENDER = { login: "sim-bot", id: 1, type: "User" };

/** The `repository` object of a payload, as both hosts send it (GitHub's field names; Gitea adds `username`). */
function repository(repo: SimRepo, webBase: string) {
  const full = `${repo.owner}/${repo.name}`;
  return {
    id: repo.id,
    node_id: `R_${repo.id}`,
    name: repo.name,
    full_name: full,
    private: false,
    owner: { login: repo.owner, username: repo.owner, id: 1000 + repo.id, type: "Organization" },
    html_url: `${webBase}/${full}`,
    clone_url: `${webBase}/${full}.git`,
    default_branch: repo.defaultBranch,
  };
}

/**
 * A `push` payload: GitHub's shape, or Gitea/Forgejo's (`compare_url`, no created/deleted/forced flags); the fields
 * receivers read (ref, repository) are the same in both.
 */
export function pushPayload(
  repo: SimRepo,
  webBase: string,
  fullRef: string,
  before: string | null,
  after: string | null,
  flavour: WebhookFlavour = "github",
): Record<string, unknown> {
  const compare = `${webBase}/${repo.owner}/${repo.name}/compare/${(before ?? ZERO).slice(0, 12)}...${(after ?? ZERO).slice(0, 12)}`;
  const common = {
    ref: fullRef,
    before: before ?? ZERO,
    after: after ?? ZERO,
    commits: [],
    head_commit:
      after === null ? null : { id: after, message: "change", timestamp: new Date().toISOString() },
    pusher: { name: SENDER.login, email: "sim-bot@example.invalid" },
    repository: repository(repo, webBase),
    sender: SENDER,
  };
  if (flavour === "gitea") return { ...common, compare_url: compare, total_commits: 0 };
  return {
    ...common,
    created: before === null,
    deleted: after === null,
    forced: before !== null && after !== null,
    base_ref: null,
    compare,
  };
}

/** A `create` or `delete` payload for a branch or tag (short ref name, as both hosts send it). */
export function refEventPayload(
  repo: SimRepo,
  webBase: string,
  refType: "branch" | "tag",
  name: string,
): Record<string, unknown> {
  return {
    ref: name,
    ref_type: refType,
    master_branch: repo.defaultBranch,
    description: null,
    pusher_type: "user",
    repository: repository(repo, webBase),
    sender: SENDER,
  };
}

/** A `release` payload (`published` by default). */
export function releasePayload(
  repo: SimRepo,
  webBase: string,
  tag: string,
  action = "published",
): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    action,
    release: {
      id: repo.id * 1000 + tag.length,
      tag_name: tag,
      name: tag,
      target_commitish: repo.defaultBranch,
      draft: false,
      prerelease: false,
      created_at: now,
      published_at: now,
      html_url: `${webBase}/${repo.owner}/${repo.name}/releases/tag/${encodeURIComponent(tag)}`,
    },
    repository: repository(repo, webBase),
    sender: SENDER,
  };
}

/** A delivery ready to POST: the body and the headers a host sends with it, signed with `secret`. */
export interface SignedDelivery {
  readonly deliveryId: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Signs a payload the way GitHub (`X-Hub-Signature-256: sha256=…`) or Gitea/Forgejo (`X-Gitea-Signature: …`) do. */
export function signedDelivery(
  flavour: WebhookFlavour,
  secret: string,
  event: string,
  payload: unknown,
  deliveryId: string = randomUUID(),
): SignedDelivery {
  const body = JSON.stringify(payload);
  const hex = createHmac("sha256", secret).update(body).digest("hex");
  const headers: Record<string, string> =
    flavour === "github"
      ? {
          "content-type": "application/json",
          "user-agent": "GitHub-Hookshot/sim",
          "x-github-event": event,
          "x-github-delivery": deliveryId,
          "x-hub-signature-256": `sha256=${hex}`,
        }
      : {
          "content-type": "application/json",
          "user-agent": "Go-http-client/1.1",
          "x-gitea-event": event,
          "x-gitea-delivery": deliveryId,
          "x-gitea-signature": hex,
          "x-forgejo-event": event,
          "x-forgejo-delivery": deliveryId,
          "x-forgejo-signature": hex,
        };
  return { deliveryId, headers, body };
}
