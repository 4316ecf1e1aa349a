/**
 * `npm run build` (also the root `prepare` script, so `npm ci` and `npm install` run it): compiles the `drift` CLI
 * to plain JavaScript in packages/local/dist/ (gitignored). The bin then starts without compiling TypeScript.
 *
 * The workspace packages (@drift/*, TypeScript sources) are bundled; third-party packages stay external and load
 * from node_modules as usual. Code splitting keeps each command's imports in its own chunk, loaded on demand, so
 * `drift --help` loads none of them.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");
export const CLI_OUT_DIR = join(ROOT, "packages", "local", "dist");

/** Bare imports (packages) stay external, except our own workspace packages, which are sources to compile. */
const externalPackages: Plugin = {
  name: "external-packages",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith("@drift/") ? undefined : { path: args.path, external: true },
    );
  },
};

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
