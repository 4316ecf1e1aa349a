import * as z from "zod/mini";
import { describeUnknownKeys } from "./input-text";
import { AUTO_APPLY, parseReleaseAge, REQUIRE } from "./policy";
import { parseRolloutPlan } from "./rollouts/schema";

/**
 * The JSON of one policy as `PUT /admin/policies` and `drift policy set` take it (CONTRACT "policies"):
 * `{"id"?, "workspace_id"?, "plugin_name"?, "auto_apply", "min_release_age", "require"?}`; `auto_apply` and
 * `require` default to `none`,
 * a missing or null `min_release_age` means DRIFT_MIN_RELEASE_AGE. Built on first use (bundles that never
 * validate a policy drop zod).
 */
// @__NO_SIDE_EFFECTS__
function buildPolicyInputSchema() {
  const uuid = (field: string) => z.guid({ message: `${field} must be a UUID` });
  return z
    .strictObject({
      id: z.optional(uuid("id")),
      workspace_id: z.optional(z.nullable(uuid("workspace_id"))),
      plugin_name: z.optional(
        z.nullable(
          z.string().check(
            z.minLength(1),
            z.maxLength(200),
            z.refine((v) => !/\p{Cc}/u.test(v), { message: "must not contain control characters" }),
          ),
        ),
      ),
      auto_apply: z._default(z.enum(AUTO_APPLY), "none"),
      require: z._default(z.enum(REQUIRE, { message: "must be none, signed or immutable" }), "none"),
      min_release_age: z.optional(
        z.nullable(
          z.string().check(
            z.maxLength(20),
            z.refine((v) => parseReleaseAge(v) !== null, {
              message: "must be a duration such as 72h, 3d or 0 (units s, m, h, d, w; at most 366d)",
            }),
          ),
        ),
      ),
      // Deliver through a rollout instead of at once (CONTRACT "rollouts"); null: at once.
      rollout: z.optional(
        z.nullable(
          z.unknown().check(
            z.superRefine((v, ctx) => {
              const plan = parseRolloutPlan(v);
              if (!plan.ok) ctx.addIssue({ code: "custom", message: plan.error, input: v });
            }),
          ),
        ),
      ),
    })
    .check(
      z.refine((p) => !p.plugin_name || Boolean(p.workspace_id), {
        message: "a plugin policy needs workspace_id as well",
        path: ["plugin_name"],
      }),
    );
}

let schema: ReturnType<typeof buildPolicyInputSchema> | undefined;

/** The schema {@link parsePolicyInput} validates with (the OpenAPI document describes the route by it). */
export function policyInputSchema(): ReturnType<typeof buildPolicyInputSchema> {
  schema ??= buildPolicyInputSchema();
  return schema;
}

/** Validates one policy; the first problem as one line (`field: reason`) when it is not one. */
export function parsePolicyInput(
  value: unknown,
): { ok: true; value: z.infer<ReturnType<typeof buildPolicyInputSchema>> } | { ok: false; error: string } {
  schema ??= buildPolicyInputSchema();
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  if (!issue) return { ok: false, error: "invalid policy" };
  // zod quotes unknown keys verbatim: the caller's keys are named only when plain (the API's rule everywhere).
  if (issue.code === "unrecognized_keys")
    return { ok: false, error: `policy: ${describeUnknownKeys(issue.keys)}` };
  return { ok: false, error: `${issue.path.join(".") || "policy"}: ${issue.message}` };
}
