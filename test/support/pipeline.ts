import type { Log } from "@drift/core";
import type { Sql } from "@drift/db";
import { createHostResolver } from "@drift/github";
import { type GitHubSim, startGitHubSim } from "@drift/github-sim";
import { type LocalSweepOptions, runLocalSweep } from "@drift/local";
import { afterAll, beforeAll, beforeEach } from "vitest";
import { createTestDb, type TestDb } from "./db";
import { insertPlugins, type PluginSeed } from "./seed";

export const TOKEN = "ghp_pipelineTestToken0123456789";

export const quietLog: Log = { debug() {}, info() {}, warn() {}, error() {} };

export async function startSim(): Promise<GitHubSim> {
  return startGitHubSim({ token: TOKEN });
}

/** The real resolver (real Octokit over HTTP) pointed at the simulator, with fast retries for tests. */
export function simResolver(sim: GitHubSim, overrides: Parameters<typeof createHostResolver>[0] = {}) {
  return createHostResolver({
    githubApiUrl: sim.url,
    auth: { token: TOKEN },
    giteaToken: TOKEN,
    giteaApiUrls: { [sim.host]: sim.giteaUrl },
    retries: 0,
    retryBaseDelayMs: 1,
    requestTimeoutMs: 5000,
    logger: quietLog,
    ...overrides,
  });
}

/** One local sweep (dispatcher handler → in-process SQS → worker handler) against the simulator. */
export function sweep(sql: Sql, sim: GitHubSim, options: Partial<LocalSweepOptions> = {}) {
  return runLocalSweep({ sql, resolver: options.resolver ?? simResolver(sim), log: quietLog, ...options });
}

/** The whole update queue, in a stable order, for before/after comparisons. */
export function queueSnapshot(sql: Sql) {
  return sql`SELECT id, workspace_id, plugin_name, tracked_ref, current_sha, latest_sha, status, drift_kind,
      resolved_tag, created_at, updated_at
    FROM plugin_update_queue ORDER BY workspace_id, plugin_name, created_at`;
}

/**
 * Registers the hooks of a sweep test file: one migrated database and one simulator for the file, and (unless
 * `clean: false`) empty sweeper tables before each test. Read `env.db` / `env.sim` inside tests.
 */
export function useSweepEnvironment(options: { clean?: boolean } = {}): {
  readonly db: TestDb;
  readonly sim: GitHubSim;
} {
  const env = {} as { db: TestDb; sim: GitHubSim };
  beforeAll(async () => {
    env.db = await createTestDb();
    env.sim = await startSim();
  });
  afterAll(async () => {
    await env.sim?.close();
    await env.db?.close();
  });
  if (options.clean !== false) {
    beforeEach(async () => {
      await env.db.sql`TRUNCATE workspace_plugins, plugin_update_queue, drift_plugin_targets, drift_targets,
        drift_row_problems, drift_sweeps, drift_sweep_messages, drift_policies, drift_tag_ledger,
        drift_target_versions, drift_integrity_events, drift_commit_sightings`;
    });
  }
  return env;
}

/**
 * Given: repository `repo` on the simulator, its main branch one commit past the commit a plugin is installed at.
 * The plugin (`github://REPO`, tracking `branch:main`, unless `plugin` says otherwise) has drifted.
 * Returns the installed and the latest commit.
 */
export async function givenDriftedPlugin(
  env: { readonly db: TestDb; readonly sim: GitHubSim },
  repo: string,
  plugin: Partial<PluginSeed> = {},
): Promise<{ installed: string; latest: string }> {
  const world = env.sim.world;
  world.createRepo(repo);
  const installed = world.revParse(world.repo(repo), "refs/heads/main") as string;
  const latest = world.commit(repo, "main");
  await insertPlugins(env.db.sql, [
    { source_raw: `github://${repo}`, tracked_ref: "branch:main", installed_sha: installed, ...plugin },
  ]);
  return { installed, latest };
}
