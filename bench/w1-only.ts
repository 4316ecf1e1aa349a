/**
 * Just W1 of `npm run bench`, for profiling: `tsx bench/w1-only.ts [RUNS]` with DATABASE_URL set (an isolated
 * schema is created and dropped). Builds the CLI first, prints the result as JSON and the 1-minute load average
 * before and after (the machine is shared). Writes nothing to bench/results.json or the README.
 */
import { loadavg } from "node:os";
import { buildCli } from "../scripts/build-cli";
import { createTestDb } from "../test/support/db";
import { benchW1 } from "./w1";

const runs = Number(process.argv[2] ?? 5);
await buildCli();
const db = await createTestDb();
try {
  const before = loadavg()[0];
  const r = await benchW1(db, { runs, sampleRows: 5 });
  console.log(JSON.stringify({ load: [before, loadavg()[0]], ...r }, null, 1));
} finally {
  await db.close();
}
