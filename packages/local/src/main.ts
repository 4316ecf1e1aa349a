/**
 * The `drift` process entry: what packages/local/bin/drift.mjs runs, compiled by `npm run build` (the root
 * `prepare` script, so `npm ci` builds it) into packages/local/dist/main.mjs. Tests run it from source.
 */
import { main } from "./cli";

// A reader that stops early (`drift history --json | head -2`) closes the pipe: the rest of the output has
// nowhere to go, which is no error of ours. End quietly instead of a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE" && error.code !== "ERR_STREAM_DESTROYED") throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
