// zod/mini (tree-shakable) as everywhere in Lambda code: the webhook function's bundle stays small.
import type { components } from "@octokit/openapi-webhooks-types";
import { en } from "zod/locales";
import * as z from "zod/mini";

/**
 * The few fields the receiver reads, validated at the boundary. GitHub and Gitea/Forgejo share these shapes
 * (Gitea's payloads are modelled on GitHub's). The compile-time checks below prove that GitHub's published
 * payload types (`@octokit/openapi-webhooks-types`) satisfy each schema, so a renamed field fails the build.
 */
// @__NO_SIDE_EFFECTS__
function buildSchemas() {
  const name = z.string().check(z.minLength(1), z.maxLength(1000));
  const repository = z.object({
    full_name: z.string().check(z.minLength(3), z.maxLength(300)),
    html_url: z.optional(z.string().check(z.maxLength(2000))),
  });
  return {
    push: z.object({ ref: name, repository }),
    createDelete: z.object({ ref: name, ref_type: z.string().check(z.maxLength(50)), repository }),
    release: z.object({ release: z.object({ tag_name: name }), repository }),
  };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;
/** The schemas, built on first use (a bundle that never parses keeps zod out of its start-up). */
export function payloadSchemas(): ReturnType<typeof buildSchemas> {
  if (!z.config().localeError) z.config(en());
  schemas ??= buildSchemas();
  return schemas;
}

export type PushPayload = z.infer<ReturnType<typeof buildSchemas>["push"]>;
export type CreateDeletePayload = z.infer<ReturnType<typeof buildSchemas>["createDelete"]>;
export type ReleasePayload = z.infer<ReturnType<typeof buildSchemas>["release"]>;

type Published = components["schemas"];
/** Compiles only when the published payload type is assignable to what the schema validates. */
type Satisfies<Ours, Theirs extends Ours> = Theirs;
export type PublishedChecks = [
  Satisfies<PushPayload, Published["webhook-push"]>,
  Satisfies<CreateDeletePayload, Published["webhook-create"]>,
  Satisfies<CreateDeletePayload, Published["webhook-delete"]>,
  Satisfies<ReleasePayload, Published["webhook-release-published"]>,
  Satisfies<ReleasePayload, Published["webhook-release-deleted"]>,
];
