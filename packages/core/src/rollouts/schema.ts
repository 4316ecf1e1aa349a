import * as z from "zod/mini";
import { parseReleaseAge } from "../policy";
import { isUuid } from "../uuid";

/**
 * The JSON of a rollout (CONTRACT "rollouts"): `POST /admin/rollouts`, `drift rollout start` and a policy's
 * `"rollout"` field. Validation only; what it means for rows is plan.ts and the store.
 */

/** A wave as asked: `size` N, `"P%"` (of all the ids) or `"rest"`; `soak` a duration (default 0). */
export interface WaveInput {
  readonly size?: number | string | undefined;
  readonly soak?: string | undefined;
  /** Canary workspaces (first wave only): their rows go first. */
  readonly workspaces?: readonly string[] | undefined;
}

export const MAX_WAVES = 10;
export const MAX_ROLLOUT_IDS = 5000;

const PERCENT = /^(\d{1,3})%$/;

/** Why a wave list is not one (null when it is). */
export function wavesProblem(waves: readonly WaveInput[]): string | null {
  if (waves.length < 1 || waves.length > MAX_WAVES) return `waves: 1 to ${MAX_WAVES} waves`;
  for (const [i, wave] of waves.entries()) {
    const last = i === waves.length - 1;
    const where = `waves.${i}`;
    const size = wave.size;
    if (size === undefined || size === "rest") {
      if (!last) return `${where}.size: only the last wave may say "rest" or omit its size`;
    } else if (typeof size === "number") {
      if (!Number.isInteger(size) || size < 1 || size > MAX_ROLLOUT_IDS)
        return `${where}.size: a count from 1 to ${MAX_ROLLOUT_IDS}, "P%" or "rest"`;
    } else {
      const m = PERCENT.exec(size);
      const p = Number(m?.[1] ?? Number.NaN);
      if (!(p >= 1 && p <= 100)) return `${where}.size: a count, a percentage from 1% to 100%, or "rest"`;
    }
    if (wave.soak !== undefined && parseReleaseAge(wave.soak) === null)
      return `${where}.soak: a duration such as 30m, 2h or 1d (units s, m, h, d, w)`;
    if (wave.workspaces !== undefined && i !== 0)
      return `${where}.workspaces: only the first wave lists canaries`;
  }
  return null;
}

// @__NO_SIDE_EFFECTS__
function buildSchemas() {
  const uuid = z.string().check(z.refine(isUuid, { message: "must be a UUID" }));
  const wave = z.strictObject({
    size: z.optional(z.union([z.number(), z.string().check(z.maxLength(8))])),
    soak: z.optional(z.string().check(z.maxLength(20))),
    workspaces: z.optional(z.array(uuid).check(z.minLength(1), z.maxLength(100))),
  });
  const waves = z.array(wave).check(
    z.refine((w) => wavesProblem(w) === null, {
      // The message is recomputed by parseRolloutPlan for the exact wave; this one is the fallback.
      message: `1 to ${MAX_WAVES} waves, each with a size and a soak`,
    }),
  );
  const plan = {
    waves,
    max_failures: z.optional(z.int().check(z.minimum(0), z.maximum(MAX_ROLLOUT_IDS))),
    rollback_on_halt: z.optional(z.boolean()),
  };
  return {
    plan: z.strictObject(plan),
    create: z.strictObject({
      ...plan,
      ids: z
        .array(uuid)
        .check(
          z.minLength(1, { message: `ids must hold 1 to ${MAX_ROLLOUT_IDS} UUIDs` }),
          z.maxLength(MAX_ROLLOUT_IDS, { message: `ids must hold 1 to ${MAX_ROLLOUT_IDS} UUIDs` }),
        ),
      reason: z.optional(z.string().check(z.maxLength(500, { message: "reason: at most 500 characters" }))),
    }),
  };
}

let schemas: ReturnType<typeof buildSchemas> | undefined;

/** How waves are delivered: the policy's `"rollout"` and the create body share it. */
export type RolloutPlan = z.infer<ReturnType<typeof buildSchemas>["plan"]>;
export type RolloutRequest = z.infer<ReturnType<typeof buildSchemas>["create"]>;

type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

function parseWith<T>(schema: z.ZodMiniType<T>, value: unknown): Parsed<T> {
  const parsed = z.safeParse(schema, value);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const waves = (value as { waves?: unknown })?.waves;
  if (issue?.path[0] === "waves" && issue.path.length === 1 && Array.isArray(waves))
    return { ok: false, error: wavesProblem(waves as WaveInput[]) ?? issue.message };
  const path = issue?.path.map(String).join(".") || "input";
  return { ok: false, error: issue ? `${path}: ${issue.message}` : "invalid rollout" };
}

/** The schemas themselves (the OpenAPI document describes requests with them). */
export function rolloutSchemas(): ReturnType<typeof buildSchemas> {
  schemas ??= buildSchemas();
  return schemas;
}

/** Validates the body of `POST /admin/rollouts`; the first problem as one line when it is not one. */
export function parseRolloutRequest(value: unknown): Parsed<RolloutRequest> {
  schemas ??= buildSchemas();
  return parseWith(schemas.create, value);
}

/** Validates a policy's `"rollout"`. */
export function parseRolloutPlan(value: unknown): Parsed<RolloutPlan> {
  schemas ??= buildSchemas();
  return parseWith(schemas.plan, value);
}

/**
 * How many of `total` rows each wave takes, in order: a count as asked, a percentage of all the rows rounded down
 * but never below 1; never more than remain; the last wave takes every remaining row whatever its size says.
 *
 * @example
 * waveCounts(41, [{ size: 1 }, { size: "10%" }, { size: "rest" }]); // [1, 4, 36]
 */
export function waveCounts(total: number, waves: readonly WaveInput[]): number[] {
  let remaining = total;
  return waves.map((wave, i) => {
    if (i === waves.length - 1) return remaining;
    const p = typeof wave.size === "string" ? Number(PERCENT.exec(wave.size)?.[1]) : Number.NaN;
    const asked = typeof wave.size === "number" ? wave.size : Math.max(1, Math.floor((total * p) / 100));
    const n = Math.min(remaining, Number.isFinite(asked) ? asked : 0);
    remaining -= n;
    return n;
  });
}

/** The soak of a wave in milliseconds (0 when not given). */
export const soakMs = (wave: WaveInput): number => parseReleaseAge(wave.soak ?? "0") ?? 0;

/**
 * The CLI's form: `--waves 1,10%,rest --soak 30m` (one soak for every wave, or one per wave: `--soak 1h,30m,0`).
 * Null when it cannot be one (the caller says why with {@link wavesProblem}).
 */
export function wavesFromFlags(sizes: string, soaks: string | undefined): WaveInput[] {
  const parts = sizes.split(",").map((s) => s.trim());
  const soakList = (soaks ?? "0").split(",").map((s) => s.trim());
  return parts.map((size, i) => ({
    size: /^\d+$/.test(size) ? Number(size) : size,
    soak: soakList.length === 1 ? soakList[0] : soakList[i],
  }));
}
