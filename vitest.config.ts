import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own database (PGlite instance or Postgres schema), so files may run in parallel.
    pool: "forks",
    reporters: ["default"],
    // Gives the fault suite (test/faults) a place for its tallies and prints its summary line at the end.
    globalSetup: ["test/faults/support/summary.ts"],
  },
});
