/**
 * Import rules (`npm run check:imports`, run by .ci/run): dependencies point down.
 * functions → packages/aws, api, local → db, github → core; core imports no adapter and no AWS/HTTP/SQL library;
 * nothing imports functions/ (tests may, to test a handler's wiring); no cycles; a package imports only the
 * @drift/* packages its package.json declares (rules generated below from those files); packages/db holds no use
 * case (it imports core only through @drift/core/model); other packages use db and github through their entry
 * points only.
 */
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");

const PACKAGES = readdirSync(join(__dirname, "packages"));

/**
 * Core's use cases and the event notifier port: what runs a flow (it calls the stores), never what a store calls.
 * A new use case module in core belongs here.
 */
const CORE_USE_CASES = [
  "index",
  "dispatch",
  "process-message",
  "log-notifier",
  "decisions/decide",
  "policies/policy-step",
  "events/notifier",
  "events/publish-events",
  "rollouts/advance",
  "rollouts/policy-delivery",
  "rollouts/rollout-decisions",
  "notifications/notify-deliver",
];

/** One rule per package: importing another workspace package that its package.json does not declare. */
const undeclaredWorkspaceRules = PACKAGES.flatMap((name) => {
  const manifest = JSON.parse(readFileSync(join(__dirname, "packages", name, "package.json"), "utf8"));
  const declared = new Set(
    Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })
      .filter((dep) => dep.startsWith("@drift/"))
      .map((dep) => dep.slice("@drift/".length)),
  );
  const undeclared = PACKAGES.filter((other) => other !== name && !declared.has(other));
  if (undeclared.length === 0) return [];
  return [
    {
      name: `undeclared-in-${name}`,
      comment: `packages/${name} imports a @drift/* package its package.json does not declare: add it there.`,
      severity: "error",
      from: { path: `^packages/${name}/` },
      to: { path: `^packages/(${undeclared.join("|")})/` },
    },
  ];
});

module.exports = {
  forbidden: [
    {
      name: "core-imports-adapter",
      comment:
        "packages/core is the pure domain: no adapter package and no AWS, HTTP or SQL library (define a port in core/src/ports.ts instead).",
      severity: "error",
      from: { path: "^packages/core/" },
      to: {
        path: [
          "^packages/(db|github|api|aws|local|github-sim)/",
          "(^|/)node_modules/(postgres|hono|@hono|@octokit|@aws-sdk|@aws-lambda-powertools|@electric-sql)/",
        ],
      },
    },
    {
      name: "db-holds-no-use-case",
      comment:
        "packages/db is the SQL of core's ports: it may not reach a core use case, the event notifier or the policy orchestration (decide, the policy step, publishing). Import types from @drift/core/model, not @drift/core, and move orchestration into packages/core/src/<flow>/ behind a port.",
      severity: "error",
      from: { path: "^packages/db/" },
      to: { path: `^packages/core/src/(${CORE_USE_CASES.join("|")})\\.ts$`, reachable: true },
    },
    {
      name: "core-use-case-imports-sql",
      comment:
        "A core use case reaches the database only through its port (decisions/decision-port.ts, policies/policy-port.ts, events/outbox-port.ts, ports.ts): no SQL library, no packages/db.",
      severity: "error",
      from: { path: `^packages/core/src/(${CORE_USE_CASES.join("|")})\\.ts$` },
      to: { path: ["^packages/db/", "(^|/)node_modules/(postgres|@electric-sql)/"] },
    },
    {
      name: "deep-import-of-db-or-github",
      comment:
        "Other packages use @drift/db and @drift/github through their entry points (src/index.ts, and db's client, migrate, embedded): add the name to that index's export list. Tests may reach deeper (@drift/db/internal/…).",
      severity: "error",
      from: { path: "^(packages/[^/]+|functions|infra)/", pathNot: "^packages/(db|github)/" },
      to: {
        path: "^packages/(db|github)/src/",
        pathNot: "^packages/(db/src/(index|client|migrate|embedded)|github/src/index)\\.ts$",
      },
    },
    {
      name: "imports-functions",
      comment: "functions/ holds the Lambda entry points: they import packages, never the other way round.",
      severity: "error",
      from: { pathNot: "^(functions|test)/" },
      to: { path: "^functions/" },
    },
    {
      name: "no-circular",
      comment: "Circular imports make the load order matter and the layers blur.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      comment: "An import that resolves to nothing (a typo, or a package missing from package.json).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    ...undeclaredWorkspaceRules,
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)(\\.sst|\\.drift|dist)/|sst-env\\.d\\.ts$" },
    // Type-only imports count too: a type from an adapter in core is still a dependency on it.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      extensions: [".ts", ".mts", ".js", ".mjs", ".cjs", ".d.ts", ".json"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
