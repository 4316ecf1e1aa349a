/**
 * Bundles each Lambda handler (functions/*.ts) with esbuild into one ESM file, the way the deployment ships it,
 * and prints the sizes. `npm run bundle` (add `--smoke` to also load each bundle in a fresh Node process, and
 * `--why=<package>` to print, per bundle, the import chain that pulls that package in: e.g. `--why=semver`).
 *
 * The AWS SDK is bundled, not left to the Lambda runtime's copy: the code then runs the SDK version the tests
 * ran, tree-shaken to the clients it uses; the size the runtime copy would save is printed next to each
 * bundle so the trade-off stays visible.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");
const OUT_DIR = join(ROOT, "dist", "bundles");

// ESM bundles of CommonJS dependencies still call require(); give them one (SST's default banner does the same).
const REQUIRE_BANNER =
  'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);';

export interface BundleResult {
  readonly handler: string;
  readonly outfile: string;
  /** Output files esbuild wrote (one: the bundle). */
  readonly outputs: readonly string[];
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Bytes of the bundle that come from @aws-sdk/* and @smithy/* (what marking them external would save). */
  readonly awsSdkBytes: number;
  /** Largest packages in the bundle, by bytes of output. */
  readonly topPackages: readonly { readonly name: string; readonly bytes: number }[];
  /** esbuild's metafile (inputs, their imports, bytes per input in the output). */
  readonly metafile: Metafile;
}

/** The handler files under functions/ (not shared/). */
export function handlerFiles(root = ROOT): string[] {
  const dir = join(root, "functions");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ts") && statSync(join(dir, f)).isFile())
    .sort()
    .map((f) => join(dir, f));
}

function packageOf(input: string): string {
  const parts = input.split("node_modules/");
  if (parts.length < 2)
    return input.startsWith("packages/") ? input.split("/").slice(0, 2).join("/") : "(app)";
  const rest = (parts.at(-1) as string).split("/");
  return rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : (rest[0] as string);
}

function summarise(metafile: Metafile, outfile: string) {
  const output = Object.entries(metafile.outputs).find(([path]) => path.endsWith(basename(outfile)))?.[1];
  const byPackage = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  const awsSdkBytes = [...byPackage]
    .filter(([n]) => /^@(aws-sdk|smithy|aws-crypto)\//.test(n))
    .reduce((a, [, b]) => a + b, 0);
  const topPackages = [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([name, bytes]) => ({ name, bytes }));
  return { awsSdkBytes, topPackages };
}

/** Bundles one handler file to dist/bundles/<name>.mjs (platform node, ESM, node22, minified, one file). */
export async function bundleHandler(file: string, outDir = OUT_DIR): Promise<BundleResult> {
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, `${basename(file, ".ts")}.mjs`);
  const result = await build({
    entryPoints: [file],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    minify: true,
    splitting: false,
    sourcemap: false,
    legalComments: "none",
    metafile: true,
    logLevel: "error",
    banner: { js: REQUIRE_BANNER },
    // The main field order of an ESM Lambda: prefer each package's ESM build.
    mainFields: ["module", "main"],
  });
  const bytes = readFileSync(outfile);
  return {
    handler: relative(ROOT, file),
    outfile,
    outputs: Object.keys(result.metafile.outputs),
    bytes: bytes.length,
    gzipBytes: gzipSync(bytes).length,
    ...summarise(result.metafile, outfile),
    metafile: result.metafile,
  };
}

/**
 * The import chain from the entry point to the first bundled file of `pkg` (a package name such as `semver`
 * or `@octokit/rest`, or the start of a repository path such as `packages/core/src/tracked-ref`), or undefined when the bundle
 * does not contain code of it. Breadth-first, so the chain is a shortest one.
 */
export function importChain(metafile: Metafile, pkg: string): string[] | undefined {
  const output = Object.values(metafile.outputs).find((o) => o.entryPoint);
  const entry = output?.entryPoint;
  if (!entry) return undefined;
  // Only files that left code in the output: a module imported but tree-shaken away is not "in" the bundle.
  const matches = (path: string) =>
    (path.includes(`node_modules/${pkg}/`) || path.startsWith(pkg)) &&
    (output.inputs[path]?.bytesInOutput ?? 0) > 0;
  const parent = new Map<string, string>([[entry, ""]]);
  const queue = [entry];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (matches(path)) {
      const chain = [path];
      for (let p = parent.get(path); p; p = parent.get(p)) chain.unshift(p);
      return chain;
    }
    for (const { path: next } of metafile.inputs[path]?.imports ?? []) {
      if (next in metafile.inputs && !parent.has(next)) {
        parent.set(next, path);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** Placeholder configuration a bundle needs to load outside Lambda (nothing is contacted at load time). */
export const PLACEHOLDER_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: "eu-west-1",
  DRIFT_DB_HOST: "127.0.0.1",
  DRIFT_DB_NAME: "drift",
  DRIFT_DB_USER: "drift",
  DRIFT_DB_PASSWORD: "unused",
  DRIFT_QUEUE_URL: "https://sqs.eu-west-1.amazonaws.com/000000000000/q",
  DRIFT_GITHUB_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:000000000000:secret:github",
  DRIFT_ADMIN_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:000000000000:secret:admin",
  DRIFT_EVENT_BUS_NAME: "bus",
};

/** Imports a bundle in a fresh Node process with placeholder config: proves it is self-contained and loads. */
export function smokeLoad(outfile: string): void {
  execFileSync(
    process.execPath,
    ["--input-type=module", "-e", `await import(${JSON.stringify(`file://${outfile}`)});`],
    {
      cwd: dirname(outfile),
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: process.env.PATH, ...PLACEHOLDER_ENV },
    },
  );
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

async function main() {
  const smoke = process.argv.includes("--smoke");
  const why = process.argv.find((a) => a.startsWith("--why="))?.slice("--why=".length);
  const chains: string[] = [];
  const files = handlerFiles();
  const expected = ["api", "dispatcher", "migrate", "worker"];
  const missing = expected.filter((name) => !files.some((f) => basename(f, ".ts") === name));
  console.log(
    `Bundling ${files.length} handler(s) → ${relative(ROOT, OUT_DIR)}/ (esm, node22, minified, AWS SDK bundled)\n`,
  );
  const rows: string[][] = [["handler", "files", "size", "gzip", "AWS SDK part", "largest packages"]];
  let failed = false;
  for (const file of files) {
    try {
      const r = await bundleHandler(file);
      if (smoke) smokeLoad(r.outfile);
      if (why) {
        const chain = importChain(r.metafile, why);
        chains.push(`${r.handler}: ${chain ? chain.join("\n    → ") : `no ${why}`}`);
      }
      rows.push([
        r.handler,
        String(r.outputs.length),
        kib(r.bytes),
        kib(r.gzipBytes),
        kib(r.awsSdkBytes),
        r.topPackages.map((p) => `${p.name} ${kib(p.bytes)}`).join(", "),
      ]);
    } catch (error) {
      failed = true;
      rows.push([
        relative(ROOT, file),
        "-",
        "FAILED",
        "-",
        "-",
        (error as Error).message.split("\n")[0] ?? "",
      ]);
    }
  }
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  for (const r of rows)
    console.log(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  "));
  if (smoke) console.log("\nEach bundle loaded in a fresh Node process (smoke test).");
  if (why) console.log(`\nWhy ${why} is in each bundle (first import chain):\n${chains.join("\n")}`);
  if (missing.length)
    console.log(`\nNot bundled (no file yet): ${missing.map((m) => `functions/${m}.ts`).join(", ")}`);
  if (failed) process.exitCode = 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
