import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Each file gets its own database (PGlite instance or Postgres schema), so files may run in parallel.
    pool: "forks",
    reporters: ["default"],
  },
});
