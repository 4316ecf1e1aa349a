/**
 * The `drift` process entry: what packages/local/bin/drift.mjs runs, compiled by `npm run build` (the root
 * `prepare` script, so `npm ci` builds it) into packages/local/dist/main.mjs. Tests run it from source.
 */
import { main } from "./cli";

process.exitCode = await main(process.argv.slice(2));
