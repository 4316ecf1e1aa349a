#!/usr/bin/env node
// Runs the CLI compiled by `npm run build` (the root `prepare` script: `npm ci` and `npm install` run it).
// No TypeScript is compiled at run time: a start costs Node's own start plus the modules the command needs.
import { existsSync } from "node:fs";

const entry = new URL("../dist/main.mjs", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("drift: the CLI is not built yet; run `npm run build` (npm ci does it)\n");
  process.exit(1);
}
await import(entry.href);
