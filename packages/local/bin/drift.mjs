#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx's loader: no build step between `npm ci` and `npx drift`.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/cli.ts");
process.exitCode = await main(process.argv.slice(2));
