import { isUuid } from "@drift/core";
import type { Sql } from "@drift/db";
import { UsageError } from "./command";

/**
 * A queue id as typed: a whole UUID, or a unique prefix of one (at least 4 hex characters, as `drift pending`
 * prints them). Ambiguous or unknown prefixes are usage errors that say so.
 */
export async function resolveQueueId(sql: Sql, text: string): Promise<string> {
  if (isUuid(text)) return text.toLowerCase();
  if (!/^[0-9a-f]{4,35}(-[0-9a-f-]*)?$/i.test(text))
    throw new UsageError(
      `ID must be a UUID or a unique prefix of one, got ${JSON.stringify(text.slice(0, 80))}`,
    );
  const matches = await sql<{ id: string }[]>`
    SELECT id::text AS id FROM plugin_update_queue WHERE id::text LIKE ${`${text.toLowerCase()}%`} LIMIT 2`;
  if (matches.length === 0) throw new UsageError(`no plugin update has an ID starting with ${text}`);
  if (matches.length > 1) throw new UsageError(`ID prefix ${text} is ambiguous: type more characters`);
  return matches[0]?.id as string;
}

/** A rollout id as typed: a whole UUID or a unique prefix of one (as `drift rollout list` prints them). */
export async function resolveRolloutId(sql: Sql, text: string): Promise<string> {
  if (isUuid(text)) return text.toLowerCase();
  if (!/^[0-9a-f]{4,35}(-[0-9a-f-]*)?$/i.test(text))
    throw new UsageError(
      `rollout ID must be a UUID or a unique prefix of one, got ${JSON.stringify(text.slice(0, 80))}`,
    );
  const matches = await sql<{ id: string }[]>`
    SELECT id::text AS id FROM drift_rollouts WHERE id::text LIKE ${`${text.toLowerCase()}%`} LIMIT 2`;
  if (matches.length === 0) throw new UsageError(`no rollout has an ID starting with ${text}`);
  if (matches.length > 1)
    throw new UsageError(`rollout ID prefix ${text} is ambiguous: type more characters`);
  return matches[0]?.id as string;
}
