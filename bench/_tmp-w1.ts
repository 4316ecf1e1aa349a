import { loadavg } from "node:os";
import { benchW1 } from "../bench/w1";
import { createTestDb } from "../test/support/db";

const db = await createTestDb();
try {
  const r = await benchW1(db, { runs: Number(process.argv[2] ?? 3), sampleRows: 2 });
  console.log(
    JSON.stringify({
      load: loadavg()[0],
      all: r.processMs.all,
      median: r.processMs.median,
      sweepMs: r.sweepMs,
      requests: r.requests,
      floor: r.floor,
    }),
  );
} finally {
  await db.close();
}
