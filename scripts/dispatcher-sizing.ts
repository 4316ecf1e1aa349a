/**
 * Sizes the dispatcher Lambda: times one dispatch of N workspace_plugins rows (default 1,000,000) with the
 * dispatcher handler the Lambda runs (createDispatcherHandler over the PostgreSQL sweep store), the queue
 * replaced by a counter (10,000 targets are ~100 SQS messages, ~10 SendMessageBatch calls: negligible).
 *
 * Lambda gives a function CPU in proportion to its memory (1,769 MB = 1 vCPU). To stand in for a memory size,
 * run this process under a CPU quota, e.g. 1,024 MB ≈ 0.58 vCPU on one core (cgroup v1, as root):
 *
 *   mkdir -p /sys/fs/cgroup/cpu/drift-sizing && echo 58000 > /sys/fs/cgroup/cpu/drift-sizing/cpu.cfs_quota_us
 *   sh -c 'echo $$ > /sys/fs/cgroup/cpu/drift-sizing/cgroup.procs && exec taskset -c 0 \
 *     env DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npx tsx scripts/dispatcher-sizing.ts'
 *
 * PostgreSQL itself runs outside the quota, as RDS does. The CPU time printed is the process's own (user +
 * system), so it can be scaled to other shares: wall ≈ CPU time / share + time waiting for the database.
 * Env: DATABASE_URL (required: the dispatcher's SQL is measured on real PostgreSQL), SIZING_ROWS, SIZING_PAGE (the
 * dispatcher's rowPageSize, default its own). Every row has its own installed SHA: the mapping's worst case.
 */
import { createDispatcherHandler } from "@drift/aws";
import type { Log, SweepMessage } from "@drift/core";
import { createSweepStore } from "@drift/db";
import { createTestDb } from "../test/support/db";

const ROWS = Number(process.env.SIZING_ROWS ?? 1_000_000);
const quiet: Log = { debug() {}, info() {}, warn() {}, error() {} };

if (!process.env.DATABASE_URL) {
  console.error("set DATABASE_URL to a PostgreSQL server: the dispatcher is sized against real PostgreSQL");
  process.exit(2);
}

const db = await createTestDb();
try {
  const t0 = performance.now();
  // 10,000 distinct targets on 4,000 repositories (every kind of tracked ref), as the bench's scale run.
  await db.sql`INSERT INTO workspace_plugins (workspace_id, plugin_name, source_raw, tracked_ref, installed_sha)
    SELECT gen_random_uuid(), 'p' || g, 'github://size/repo' || (g % 4000),
      (ARRAY['branch:main', 'tag:v1.0.0', 'ref:main'])[1 + (g / 4000) % 3], md5(g::text) || '00000000'
    FROM generate_series(0, ${ROWS - 1}) AS g`;
  await db.sql`ANALYZE workspace_plugins`;
  console.log(
    `seeded ${ROWS.toLocaleString("en")} rows in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  let messages = 0;
  let targets = 0;
  const handler = createDispatcherHandler({
    store: createSweepStore(db.sql),
    queue: {
      async send(batch: readonly SweepMessage[]) {
        messages += batch.length;
        for (const m of batch) targets += m.targets.length;
      },
    },
    metrics: { sink: { add() {} }, flush() {} },
    log: quiet,
    config: {
      minIntervalMs: 0,
      ...(process.env.SIZING_PAGE ? { rowPageSize: Number(process.env.SIZING_PAGE) } : {}),
    },
  });
  for (const label of ["first sweep (every row newly mapped)", "second sweep (nothing changed)"]) {
    messages = 0;
    targets = 0;
    let peakRss = 0;
    const sample = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 50);
    const cpu0 = process.cpuUsage();
    const t1 = performance.now();
    const summary = await handler({});
    const wall = (performance.now() - t1) / 1000;
    const cpu = process.cpuUsage(cpu0);
    clearInterval(sample);
    // The sweep is still open (no worker ran): close it so the next dispatch may start.
    await db.sql`UPDATE drift_sweeps SET status = 'completed', completed_at = now() WHERE status <> 'completed'`;
    console.log(
      `${label}: ${wall.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; ${summary.status}, ${targets} targets in ${messages} messages`,
    );
  }
} finally {
  await db.close();
}
