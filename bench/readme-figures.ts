/**
 * The README's "What it costs" figures, rendered from bench/results.json: `npm run bench` rewrites the block
 * between the two markers after each run, `npm run bench:readme` re-renders it from the file alone, and
 * test/e2e/readme-figures.test.ts fails when the README says something the file does not.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { LambdaResult } from "./lambda";
import type { PacketCost } from "./packet-cost";
import type { ScaleResult, WorstCaseResult } from "./scale";
import type { W1Result } from "./w1";
import type { WebhookLatency } from "./webhook-latency";

/** bench/results.json. */
export interface BenchResults {
  readonly measuredAt: string;
  /** The commit measured; `dirty`: the work tree had changes on top of it. */
  readonly commit?: { readonly sha: string; readonly dirty: boolean };
  readonly machine: {
    readonly node: string;
    readonly cpus: number;
    readonly database: string;
    readonly loadAverage: { readonly before: number; readonly after: number };
  };
  readonly quick: boolean;
  readonly startup: { readonly driftHelpMs: number; readonly npxDriftHelpMs: number };
  readonly w1: W1Result;
  readonly scale: readonly ScaleResult[];
  readonly worstCase?: WorstCaseResult;
  readonly lambda: readonly LambdaResult[];
  readonly webhook?: WebhookLatency;
  readonly packets?: PacketCost;
}

export const RESULTS_FILE = fileURLToPath(new URL("./results.json", import.meta.url));
export const README_FILE = fileURLToPath(new URL("../README.md", import.meta.url));
export const BEGIN =
  "<!-- figures: rendered from bench/results.json by `npm run bench` (or `npm run bench:readme`) -->";
export const END = "<!-- end of figures -->";

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const int = (n: number) => n.toLocaleString("en");
const times = (x: number) => `${int(Math.round(x * 10) / 10)}×`;

/** Prose wrapped at 115 columns, as the rest of the README. */
function wrap(text: string, width = 115): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, line].join("\n");
}

/** A Markdown table with its columns padded (as the formatter would leave them). */
function markdownTable(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(3, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: readonly string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`, ...body.map(line)].join(
    "\n",
  );
}

function w1Table(r: BenchResults): string {
  const w = r.w1;
  const last = w.requests?.at(-1);
  const packets = last ? ` + ${last.packetQueries} packet queries and ${last.rest} REST comparisons` : "";
  const floor = w.floor;
  return markdownTable([
    [
      `W1: ${int(w.rows)} rows, ${int(w.targets)} refs on ${w.repositories} repositories, 10% drifted, ${w.latencyMs} ms per GitHub request`,
      "",
    ],
    [
      `this sweeper: whole \`drift sweep --json\` process, first sweep with its review packets (median of ${w.runs})`,
      `${sec(w.processMs.median)}, ${w.graphqlRequests} GraphQL requests of ≤ ${w.maxRepositoriesPerQuery} repositories${packets}`,
    ],
    [
      `each of the ${w.runs} runs (each on a fresh start: every product table emptied, packets fetched)`,
      w.processMs.all.map((ms) => sec(ms)).join(", "),
    ],
    [
      `the original algorithm (one lookup per row, in turn; ${w.original.sampleRows} rows timed, scaled)`,
      `${int(Math.round(w.original.scaledMs / 1000))} s, ${int(w.original.requests)} requests`,
    ],
    [
      `network floor: (ceil(${floor.queries} queries / ${floor.inFlight} in flight) + ${floor.packetRoundTrips ?? 0} packet round trips) × ${w.latencyMs} ms`,
      sec(floor.ms),
    ],
    [
      "requestRatio / timeRatio / vsFloor",
      `${times(w.requestRatio)} / ${times(w.timeRatio)} / ${times(w.vsFloor)}`,
    ],
  ]);
}

function scaleTable(r: BenchResults): string {
  const latency = r.scale[0]?.latencyMs;
  const head = [
    `12,000 refs on 4,000 repositories, 1 in 10 moved${latency !== undefined ? `, ${latency} ms per request` : ""} (each sweep a fresh process; first sweeps on an emptied database, packets included)`,
  ];
  const rows = [
    ["first sweep (of which the dispatcher)"],
    ["next sweep, nothing changed upstream (dispatcher)"],
    ["dispatcher peak RSS, first / nothing changed"],
  ];
  for (const x of r.scale) {
    head.push(`${int(x.rows)} rows`);
    rows[0]?.push(`${sec(x.first.sweepMs)} (${sec(x.first.dispatchMs)})`);
    rows[1]?.push(`${sec(x.nothingChanged.sweepMs)} (${sec(x.nothingChanged.dispatchMs)})`);
    rows[2]?.push(`${x.first.dispatcherPeakRssMiB} / ${x.nothingChanged.dispatcherPeakRssMiB} MiB`);
  }
  return markdownTable([head, ...rows]);
}

/** The block between the markers, without them. */
export function renderFigures(r: BenchResults): string {
  const day = new Date(r.measuredAt).toLocaleDateString("en-GB", {
    day: "numeric",
    month: "short",
    year: "numeric",
    timeZone: "UTC",
  });
  const lambda = r.lambda
    .map((l) => `${l.handler} ${int(Math.round(l.bytes / 1024))} KiB / ${l.initMs} ms`)
    .join(", ");
  const commit = r.commit
    ? ` at commit ${r.commit.sha.slice(0, 7)}${r.commit.dirty ? " (with uncommitted changes)" : ""}`
    : "";
  const worst = r.worstCase;
  const parts = [
    `Measured ${day}${commit} by \`npm run bench\` (${r.machine.database}, Node ${r.machine.node}, ${r.machine.cpus} cores; ` +
      `load average ${r.machine.loadAverage.before} before the run and ${r.machine.loadAverage.after} after it).` +
      (r.quick ? " A `--quick` run: no 1,000,000-row sweep." : ""),
    "",
    w1Table(r),
    "",
    scaleTable(r),
    "",
    ...(worst
      ? [
          `The dispatcher's worst case, ${int(worst.rows)} rows each with its own installed commit (no two rows share ` +
            `their values), on an emptied database in a fresh process: peak RSS ${worst.dispatcherPeakRssMiB} MiB ` +
            `(${worst.baselineRssMiB} MiB before it started), ${sec(worst.dispatchMs)}.`,
          "",
        ]
      : []),
    `\`drift --help\` starts in ${r.startup.driftHelpMs} ms (median of 10; \`npx drift --help\` ` +
      `${r.startup.npxDriftHelpMs} ms, npm's own start included). Lambda bundles (esbuild, minified) and module init ` +
      `in a fresh Node process: ${lambda}.`,
  ];
  if (r.packets) {
    const p = r.packets;
    parts.push(
      "",
      `Review packets add, per ${int(p.driftedTargets)} drifted targets on ${p.repositories} repositories, ` +
        `${p.extra.graphql} GraphQL queries (${p.extra.points} points) and ${p.extra.rest} REST requests (a comparison ` +
        "per distinct repository and commit pair; a release's and an annotated tag's own lookups where GraphQL " +
        "cannot say, once per tag; on the REST budget: GitHub counts the two apart), once per drift, not per sweep. " +
        "Every W1 run above fetches the packets of its drift.",
    );
  }
  if (r.webhook) {
    const h = r.webhook;
    parts.push(
      "",
      `With webhooks, an upstream move is seen in well under a second instead of at the next hour: from a signed ` +
        `\`push\` to the pending row, median ${h.medianMs} ms (max ${h.maxMs} ms) over ${h.deliveries} deliveries ` +
        `with ${h.latencyMs} ms of simulated host latency, ${h.requestsMedian} host request(s) per delivery.`,
    );
  }
  return parts.map((p) => (p.startsWith("|") ? p : wrap(p))).join("\n");
}

/** The README with its figures block replaced; throws when the markers are missing. */
export function withFigures(readme: string, r: BenchResults): string {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md: the markers ${BEGIN} … ${END} are missing`);
  return `${readme.slice(0, start + BEGIN.length)}\n${renderFigures(r)}\n${readme.slice(end)}`;
}

/** Rewrites README.md's figures from bench/results.json. */
export function updateReadme(): void {
  const results = JSON.parse(readFileSync(RESULTS_FILE, "utf8")) as BenchResults;
  writeFileSync(README_FILE, withFigures(readFileSync(README_FILE, "utf8"), results));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  updateReadme();
  console.log("README.md: figures rendered from bench/results.json");
}
