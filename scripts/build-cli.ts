/**
 * `npm run build` (also the root `prepare` script, so `npm ci` and `npm install` run it): compiles the `drift` CLI
 * to plain JavaScript in packages/local/dist/ (gitignored). The bin then starts without compiling TypeScript.
 *
 * The workspace packages (@drift/*, TypeScript sources) and most third-party packages are bundled (see
 * KEEP_EXTERNAL for the few that load from node_modules). Code splitting keeps each command's imports in its own
 * chunk, loaded on demand, so `drift --help` loads none of them.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");
export const CLI_OUT_DIR = join(ROOT, "packages", "local", "dist");

/**
 * Packages that stay external and load from node_modules: PGlite (it reads its WebAssembly and data files next to
 * its own modules), the simulator's GraphQL schema and engine (the demo only), and the AWS SDK (never on a CLI
 * path). Everything else is bundled: resolving and compiling hundreds of small files of Octokit, Powertools and zod
 * cost a command about 250 ms of its start, more than the work of a sweep with nothing to do.
 */
const KEEP_EXTERNAL = [
  "@electric-sql/pglite",
  "@electric-sql/pglite-socket",
  "@octokit/graphql-schema",
  "graphql",
  "@aws-sdk",
  "@smithy",
];
const keptExternal = (path: string) => KEEP_EXTERNAL.some((k) => path === k || path.startsWith(`${k}/`));

const externalPackages: Plugin = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      keptExternal(args.path) ? { path: args.path, external: true } : undefined,
    );
  },
};

/** Bundled CommonJS packages call `require` for Node's modules: give the ES module output a real one. */
const REQUIRE_BANNER =
  'import { createRequire as __driftCreateRequire } from "node:module"; const require = __driftCreateRequire(import.meta.url);';

/** Builds the CLI; returns the files written. */
export async function buildCli(outDir = CLI_OUT_DIR): Promise<string[]> {
  rmSync(outDir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { main: join(ROOT, "packages", "local", "src", "main.ts") },
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunks/[name]-[hash]",
    sourcemap: "linked",
    legalComments: "none",
    banner: { js: REQUIRE_BANNER },
    logLevel: "warning",
    metafile: true,
    plugins: [externalPackages],
  });
  return Object.keys(result.metafile.outputs);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await buildCli();
  console.log(
    `drift CLI built: ${files.filter((f) => f.endsWith(".mjs")).length} files in packages/local/dist/`,
  );
}
