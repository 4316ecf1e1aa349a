/**
 * Just the scale section of `npm run bench`, for profiling: `tsx bench/scale-only.ts ROWS [REPEATS]` with
 * DATABASE_URL set (an isolated schema is created and dropped). Prints each run's figures as JSON lines and the
 * 1-minute load average before and after (the machine is shared). REPEATS (default 1) reseeds and sweeps again.
 */
import { loadavg } from "node:os";
import { createTestDb } from "../test/support/db";
import { benchScale } from "./scale";

const rows = Number(process.argv[2] ?? 100_000);
const repeats = Number(process.argv[3] ?? 1);
const db = await createTestDb();
try {
  for (let i = 0; i < repeats; i++) {
    const load = loadavg()[0];
    // PROFILE_LOG_MS: the sweeps' sessions log statements slower than this to the server log (superuser only).
    // PROFILE_EXPLAIN_MS: their plans too (auto_explain, loaded per session).
    const ms = process.env.PROFILE_LOG_MS;
    const explain = process.env.PROFILE_EXPLAIN_MS;
    const params = [
      ...(ms ? [`log_min_duration_statement=${ms}`] : []),
      ...(explain
        ? [
            "session_preload_libraries=auto_explain",
            `auto_explain.log_min_duration=${explain}`,
            "auto_explain.log_analyze=on",
          ]
        : []),
    ];
    const url = params.length ? `${db.url}${db.url.includes("?") ? "&" : "?"}${params.join("&")}` : db.url;
    const r = await benchScale({ ...db, url }, rows);
    console.log(JSON.stringify({ load: [load, loadavg()[0]], ...r }));
  }
} finally {
  // PROFILE_KEEP: leave the schema (and its 1M rows) for EXPLAIN; printed so it can be dropped by hand.
  if (process.env.PROFILE_KEEP) {
    console.log(JSON.stringify({ kept: db.schema }));
    await db.sql.end();
  } else await db.close();
}
