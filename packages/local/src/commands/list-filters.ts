import { isUuid } from "@drift/core";
import type { UpdateFilter } from "@drift/db";
import { UsageError } from "../command";

/** The filter flags `drift pending` and `drift history` share. */
export const FILTER_FLAGS = {
  json: { type: "boolean", default: false },
  wide: { type: "boolean", default: false },
  kind: { type: "string" },
  repo: { type: "string" },
  workspace: { type: "string" },
  plugin: { type: "string" },
} as const;

export const FILTER_USAGE = [
  "Filters: --kind tag_moved|new_version|ref_moved|pin_mismatch, --repo PART-OF-OWNER/NAME, --workspace UUID,",
  "--plugin NAME. --wide prints every column whole (no shortening to the terminal width).",
];

const KINDS = new Set(["tag_moved", "new_version", "ref_moved", "pin_mismatch"]);

/** Flag values → a store filter (validated: a bad value is a usage error, never a query). */
export function filterOf(values: { kind?: string; repo?: string; workspace?: string; plugin?: string }) {
  if (values.kind !== undefined && !KINDS.has(values.kind))
    throw new UsageError(`--kind must be one of ${[...KINDS].join(", ")}`);
  if (
    values.repo !== undefined &&
    !/^(?=.)[A-Za-z0-9_.-]{0,100}(\/[A-Za-z0-9_.-]{0,100})?$/.test(values.repo)
  )
    throw new UsageError("--repo must be OWNER/NAME or part of it");
  if (values.workspace !== undefined && !isUuid(values.workspace))
    throw new UsageError("--workspace must be a UUID");
  if (values.plugin !== undefined && (values.plugin.length > 200 || /\p{Cc}/u.test(values.plugin)))
    throw new UsageError("--plugin must be a plugin name");
  return {
    ...(values.kind ? { driftKind: values.kind } : {}),
    ...(values.repo ? { repository: values.repo } : {}),
    ...(values.workspace ? { workspaceId: values.workspace } : {}),
    ...(values.plugin ? { pluginName: values.plugin } : {}),
  } satisfies Partial<UpdateFilter>;
}
